import { Directive, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { badInput } from '../errors.js';

/** Relay-style connections: opaque cursors over a stable sort key, `first` bounded. */

@ObjectType({ description: 'Where a page ends and whether another follows.' })
// Every subgraph with connections defines the same PageInfo.
@Directive('@shareable')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to fetch the next page.' })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Declares `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function connectionType<T extends object>(node: ClassType<T>, name: string): ClassType<Page<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many match the filter, across all pages.' })
    totalCount!: number;
  }
  return ConnectionType;
}

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, fallback = 20): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}; got ${first}`, 'first');
  }
  return first;
}

export const encodeCursor = (key: (string | number)[]) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The sort key a cursor stands for; a cursor this API did not make is refused. */
export function decodeCursor(cursor: string, shape: ('string' | 'number')[]): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === shape.length && key.every((part, i) => typeof part === shape[i])) {
      return key as (string | number)[];
    }
  } catch {
    // fall through to the refusal
  }
  throw badInput('after is not a cursor from this API; pass a pageInfo.endCursor you were given', 'after');
}

/** Builds a page from `limit + 1` rows fetched in order: the extra row only says another page exists. */
export function toPage<Row, Node>(
  rows: Row[],
  limit: number,
  totalCount: number,
  cursorOf: (row: Row) => (string | number)[],
  toNode: (row: Row) => Node,
): Page<Node> {
  const pageRows = rows.slice(0, limit);
  const edges = pageRows.map((row) => ({ cursor: encodeCursor(cursorOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}
