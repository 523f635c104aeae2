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
import { redactArguments } from '../subgraphs/identity/audit/redact-arguments.js';
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

/**
 * Records every mutation the gateway forwards, whichever subgraph serves it: who, which field with
 * what arguments (secrets redacted), on what, and the outcome per field. The entry is written to
 * identity before the answer leaves; if identity cannot take it, it goes to the log instead.
 */
export function mutationAuditPlugin(record: RecordAudit, logger: Logger) {
  return {
    onExecute({ args }: { args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null; contextValue: CallerContext } }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (operation?.operation !== 'mutation') return undefined;
      const mutationType = args.schema.getMutationType();
      const fragments = new Map(
        args.document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
      );
      const at = new Date();
      return {
        async onExecuteDone({ result }: { result: ExecutionResult | AsyncIterable<ExecutionResult> }) {
          if (Symbol.asyncIterator in result) return;
          const { principal, requestId } = args.contextValue;
          const entries = rootFields(operation.selectionSet, fragments).map((node) => {
            const key = node.alias?.value ?? node.name.value;
            const definition = mutationType?.getFields()[node.name.value];
            let values: Record<string, unknown> = {};
            try {
              if (definition) values = getArgumentValues(definition, node, args.variableValues ?? {});
            } catch {
              values = { unreadable: 'the arguments did not match the schema' };
            }
            const error = result.errors?.find((e) => e.path?.[0] === key) ?? (result.data ? undefined : result.errors?.[0]);
            const returnType = definition ? getNamedType(definition.type).name : 'unknown';
            return {
              at,
              actor: principal?.username ?? 'anonymous',
              actorKind: principal?.kind ?? 'anonymous',
              tokenId: principal?.tokenId ?? null,
              operation: node.name.value,
              operationName: args.operationName ?? operation.name?.value ?? null,
              arguments: redactArguments(values) as Record<string, unknown>,
              ...subjectOf(node.name.value, values, result.data?.[key], returnType),
              outcome: error ? ('FAILED' as const) : ('SUCCEEDED' as const),
              errorCode: error ? String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : null,
              errorMessage: error?.message ?? null,
              requestId,
            };
          });
          if (entries.length === 0) return;
          try {
            await record(entries);
          } catch (error) {
            // Never lost: the log keeps the entry (already redacted) when identity cannot.
            logger.error({ err: error, audit: entries }, 'audit entries not stored in identity');
          }
        },
      };
    },
  };
}
