import { parse, protocol, type PGlite, type Results } from "@electric-sql/pglite";
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { StatementNames } from "./prepared-statements.js";

const { serialize } = protocol;
const { parseDescribeStatementResults, parseResults } = parse;

/**
 * A Kysely dialect over one PGlite instance. PGlite is a single backend, so a
 * transaction must own it exclusively: the driver hands out one connection at
 * a time (a FIFO lock), which is exactly PostgreSQL's behaviour with a pool of one.
 */
export class PGliteDialect implements Dialect {
  constructor(
    private readonly pglite: PGlite,
    private readonly names = new StatementNames(),
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite, this.names);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PGliteDriver implements Driver {
  private tail: Promise<void> = Promise.resolve();
  private readonly connection: PGliteConnection;

  constructor(private readonly pglite: PGlite, names: StatementNames) {
    this.connection = new PGliteConnection(pglite, names);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.connection.release = release;
    return this.connection;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` ISOLATION LEVEL ${settings.isolationLevel.toUpperCase()}` : "";
    await conn.executeQuery(CompiledQuery.raw(`BEGIN${level}`));
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("COMMIT"));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("ROLLBACK"));
  }
  async releaseConnection(): Promise<void> {
    const release = this.connection.release;
    this.connection.release = null;
    release?.();
  }
  async destroy(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

class PGliteConnection implements DatabaseConnection {
  release: (() => void) | null = null;
  /** Parameter types of each statement prepared on the backend, by name. */
  private readonly prepared = new Map<string, number[]>();

  constructor(
    private readonly pglite: PGlite,
    private readonly names: StatementNames,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Parameterless statements go through the simple protocol so that
    // migration scripts with several statements run as one call.
    if (compiled.parameters.length === 0) {
      const results = await this.pglite.exec(compiled.sql);
      const last = results[results.length - 1];
      return { rows: (last?.rows ?? []) as R[], numAffectedRows: BigInt(last?.affectedRows ?? 0) };
    }
    const result = await this.names.retryingStalePlan(() => this.run<R>(compiled.sql, compiled.parameters));
    return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows ?? 0) };
  }

  /**
   * PGlite's query() makes six calls into the WASM backend (parse, describe, bind,
   * describe, execute, sync) and parses and plans every time. A named statement is
   * prepared once; after that a query is one call: bind, describe, execute, sync.
   */
  private async run<R>(text: string, parameters: readonly unknown[]): Promise<Results<R>> {
    const name = this.names.nameOf(text) ?? "";
    let types = name ? this.prepared.get(name) : undefined;
    if (!types) {
      types = parseDescribeStatementResults(await this.pglite.execProtocolStream(
        Buffer.concat([serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]),
      ));
      if (name) this.prepared.set(name, types);
    }
    // Values as PGlite's query() would send them: its serializer for the parameter's type.
    const values = parameters.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.pglite.serializers[types[i]!];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await this.pglite.execProtocolStream(
      Buffer.concat([serialize.bind({ statement: name, values }), serialize.describe({ type: "P" }), serialize.execute({}), serialize.sync()]),
    );
    return parseResults(messages, this.pglite.parsers)[0] as Results<R>;
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("PGlite does not stream; page the query instead");
  }
}
