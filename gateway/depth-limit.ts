import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Refuses operations nested deeper than `maxDepth` fields, fragments included, before anything
 * runs. Introspection counts too (`fields { type { fields … } }` grows fast), except its `ofType`
 * chains, which are linear and are what makes GraphiQL's own introspection query deep.
 */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    // Stops descending once past the limit, so a hostile query costs no more than the limit.
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: Set<string>, introspecting: boolean): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const inIntrospection = introspecting || INTROSPECTION_ROOTS.has(name);
          const own = inIntrospection && name === 'ofType' ? 0 : 1;
          deepest = Math.max(deepest, own + depthOf(selection.selectionSet, seen, inIntrospection));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen, introspecting));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // A fragment spreading itself is refused by graphql's own rules; here it just stops.
          if (fragment && !seen.has(name)) deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name]), introspecting));
        }
        if (deepest > maxDepth) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        if (depthOf(operation.selectionSet, new Set(), false) > maxDepth) {
          const name = operation.name ? `${operation.name.value} is` : 'The operation is';
          context.reportError(
            new GraphQLError(`${name} nested more than ${maxDepth} fields deep, the limit: ask for less at once`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_DEEP' },
            }),
          );
        }
      },
    };
  };
}
