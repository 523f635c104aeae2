import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Logger } from '../core/logger.js';
import type { NewAuditEntry } from '../subgraphs/identity/audit/audit-log.js';
import { redactArguments, redactText } from '../subgraphs/identity/audit/redact-arguments.js';
import type { CallerContext } from './graphql-ws-server.js';

export type RecordAudit = (entries: (NewAuditEntry & { at: Date })[]) => Promise<void>;

/** The top-level fields of a selection set, through fragments. */
function rootFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__') ? [] : [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFields(selection.selectionSet, fragments, seen);
    const fragment = fragments.get(selection.name.value);
    if (!fragment || seen.has(fragment.name.value)) return [];
    seen.add(fragment.name.value);
    return rootFields(fragment.selectionSet, fragments, seen);
  });
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** What a mutation was about, read from its arguments (and its answer, when it names a site). */
function subjectOf(field: string, args: Record<string, unknown>, answer: unknown, returnType: string) {
  const answered = answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : {};
  const id = text(args.id);
  const siteId = text(args.siteId) ?? (/Site$/.test(field) ? id : undefined) ?? text(answered.siteId);
  const input = args.input && typeof args.input === 'object' ? (args.input as Record<string, unknown>) : {};
  const siteName = field === 'createSite' ? text(input.name) : undefined;
  return { siteId, siteName, target: id && !/Site$/.test(field) ? `${returnType} ${id}` : undefined };
}

type Outcome = { outcome: 'SUCCEEDED' | 'FAILED'; errorCode: string | null; errorMessage: string | null };

/**
 * How each root field of a mutation went. Fields run one after the other; when one that may not
 * be null fails, the whole `data` becomes null and the fields after it never run. So a field with
 * its own error failed, one before the first failure succeeded (its answer was lost), one after it
 * did not run, and an error with no path (the request itself) fails them all.
 */
function outcomesOf(keys: string[], result: ExecutionResult): Outcome[] {
  const errors = result.errors ?? [];
  const failed = (error: (typeof errors)[number]): Outcome => ({ outcome: 'FAILED', errorCode: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), errorMessage: error.message });
  const firstFailure = keys.findIndex((key) => errors.some((error) => error.path?.[0] === key));
  const requestError = errors.find((error) => !error.path?.length);
  return keys.map((key, i) => {
    const own = errors.find((error) => error.path?.[0] === key);
    if (own) return failed(own);
    if (requestError && !result.data) return failed(requestError);
    if (firstFailure >= 0 && i > firstFailure && !result.data) {
      return { outcome: 'FAILED', errorCode: 'NOT_RUN', errorMessage: `Not run: ${keys[firstFailure]}, before it in the same mutation, failed` };
    }
    return { outcome: 'SUCCEEDED', errorCode: null, errorMessage: null };
  });
}

/** The mutation's root fields, or none for a query, a subscription, or a document it cannot pick from. */
function mutationFields(document: DocumentNode, operationName: string | null | undefined) {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (operation?.operation !== 'mutation') return null;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  return { operation, fields: rootFields(operation.selectionSet, fragments) };
}

const actorOf = ({ principal, requestId }: CallerContext) => ({
  actor: principal?.username ?? 'anonymous',
  actorKind: principal?.kind ?? 'anonymous',
  tokenId: principal?.tokenId ?? null,
  requestId,
});

/**
 * Records every mutation the gateway forwards, whichever subgraph serves it: who, which field with
 * what arguments (secrets redacted), on what, and the outcome per field. The entry is written to
 * identity before the answer leaves; if identity cannot take it, it goes to the log instead. A
 * mutation refused before it ran (it does not fit the schema) is recorded too, as FAILED, with
 * the first validation error and no arguments: they could not be read.
 */
export function mutationAuditPlugin(record: RecordAudit, logger: Logger) {
  const store = async (entries: (NewAuditEntry & { at: Date })[]) => {
    if (entries.length === 0) return;
    try {
      await record(entries);
    } catch (error) {
      // Never lost: the log keeps the entry (already redacted) when identity cannot.
      logger.error({ err: error, audit: entries }, 'audit entries not stored in identity');
    }
  };
  return {
    onValidate({ params, context }: { params: { documentAST: DocumentNode }; context: unknown }) {
      return ({ valid, result }: { valid: boolean; result: readonly { message: string; extensions?: { code?: unknown } }[] }) => {
        if (valid) return;
        const caller = context as CallerContext & { params?: { operationName?: string | null } };
        const mutation = mutationFields(params.documentAST, caller.params?.operationName);
        if (!mutation) return;
        const at = new Date();
        const message = redactText(result[0]?.message ?? 'the operation does not fit the schema');
        // Validation is synchronous; nothing ran, so nothing waits for the entry.
        void store(
          mutation.fields.map((node) => ({
            at,
            ...actorOf(caller),
            operation: node.name.value,
            operationName: mutation.operation.name?.value ?? null,
            arguments: {},
            outcome: 'FAILED' as const,
            errorCode: String(result[0]?.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED'),
            errorMessage: message,
          })),
        );
      };
    },
    onExecute({ args }: { args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null; contextValue: CallerContext } }) {
      const mutation = mutationFields(args.document, args.operationName);
      if (!mutation) return undefined;
      const mutationType = args.schema.getMutationType();
      const at = new Date();
      return {
        async onExecuteDone({ result }: { result: ExecutionResult | AsyncIterable<ExecutionResult> }) {
          if (Symbol.asyncIterator in result) return;
          const keyOf = (node: FieldNode) => node.alias?.value ?? node.name.value;
          const outcomes = outcomesOf(mutation.fields.map(keyOf), result);
          const entries = mutation.fields.map((node, i) => {
            const key = keyOf(node);
            const definition = mutationType?.getFields()[node.name.value];
            let values: Record<string, unknown> = {};
            try {
              if (definition) values = getArgumentValues(definition, node, args.variableValues ?? {});
            } catch {
              values = { unreadable: 'the arguments did not match the schema' };
            }
            const outcome = outcomes[i]!;
            const returnType = definition ? getNamedType(definition.type).name : 'unknown';
            return {
              at,
              ...actorOf(args.contextValue),
              operation: node.name.value,
              operationName: args.operationName ?? mutation.operation.name?.value ?? null,
              arguments: redactArguments(values) as Record<string, unknown>,
              ...subjectOf(node.name.value, values, result.data?.[key], returnType),
              ...outcome,
              errorMessage: outcome.errorMessage ? redactText(outcome.errorMessage) : null,
            };
          });
          await store(entries);
        },
      };
    },
  };
}
