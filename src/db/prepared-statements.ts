/**
 * Named prepared statements: PostgreSQL parses and plans a statement once per connection
 * instead of on every query. On the sign-in path that halved PostgreSQL's CPU per sign-in
 * (parse and plan were a third of it) and cut PGlite's cost per query by more than half
 * (bench/README.md, "Login").
 *
 * A name stands for one SQL text for the life of the process, so every connection may
 * prepare it under that name. Statements are few (Kysely builds the same text for the
 * same query); past `max` texts, say from IN lists of many lengths, queries go unnamed
 * rather than grow every backend's memory.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private generation = 0;

  constructor(private readonly max = 1000) {}

  nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.max) {
      name = `gh${this.generation}_${this.names.size}`;
      this.names.set(text, name);
    }
    return name;
  }

  /**
   * After a migration changed a table under a prepared `SELECT *` (PostgreSQL refuses to
   * run it: isStalePlan), every text gets a new name and is prepared afresh.
   */
  renew(): void {
    this.names.clear();
    this.generation++;
  }

  /** Runs `query`, which names its statement with nameOf(); after a stale plan, once more under new names. */
  async retryingStalePlan<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      this.renew();
      return query();
    }
  }
}

/** "cached plan must not change result type": a prepared statement's table has new columns. */
export function isStalePlan(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "0A000" && /cached plan/.test(String((err as Error).message));
}
