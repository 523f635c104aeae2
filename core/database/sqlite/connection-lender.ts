import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';

/**
 * Lends one connection to one caller at a time; the others wait their turn, in order, without
 * blocking the process. Each loan is its own object, given back once: a caller that gives back
 * twice, or late, cannot give back someone else's loan.
 */
export class ConnectionLender {
  private readonly waiting: (() => void)[] = [];
  private lent = false;

  constructor(private readonly connection: DatabaseConnection) {}

  async lend(): Promise<LentConnection> {
    if (this.lent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.lent = true;
    return new LentConnection(this.connection, () => this.takeBack());
  }

  private takeBack(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.lent = false;
  }
}

export class LentConnection implements DatabaseConnection {
  private returned = false;

  constructor(
    private readonly connection: DatabaseConnection,
    private readonly takeBack: () => void,
  ) {}

  giveBack(): void {
    if (this.returned) return;
    this.returned = true;
    this.takeBack();
  }

  executeQuery<R>(query: CompiledQuery, options?: Parameters<DatabaseConnection['executeQuery']>[1]): Promise<QueryResult<R>> {
    this.assertLent();
    return this.connection.executeQuery<R>(query, options);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number, options?: Parameters<DatabaseConnection['streamQuery']>[2]): AsyncIterableIterator<QueryResult<R>> {
    this.assertLent();
    return this.connection.streamQuery<R>(query, chunkSize, options);
  }

  private assertLent(): void {
    if (this.returned) throw new Error('This connection was given back: its transaction or query has ended');
  }
}
