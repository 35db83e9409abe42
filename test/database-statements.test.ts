import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, sql } from "kysely";
import type { Database } from "../src/db/connection.js";
import { newClusterDump, openTestPGlite } from "./helpers/pglite-dump.js";
import { PGliteDialect } from "../src/db/pglite-driver.js";
import { isStalePlan, StatementNames } from "../src/db/prepared-statements.js";
import { openScratchPostgres } from "./helpers/pg-database.js";
import { PG_URL } from "./helpers/harness.js";

test("a SQL text keeps one name; past the cap texts go unnamed; renew gives every text a new name", () => {
  const names = new StatementNames(2);
  const a = names.nameOf("select $1");
  assert.ok(a);
  assert.equal(names.nameOf("select $1"), a);
  const b = names.nameOf("select $2");
  assert.ok(b && b !== a);
  assert.equal(names.nameOf("select $3"), undefined);
  names.renew();
  const renewed = names.nameOf("select $1");
  assert.ok(renewed && renewed !== a && renewed !== b);
});

test("only PostgreSQL's stale-plan error counts as one", () => {
  assert.equal(isStalePlan(Object.assign(new Error("cached plan must not change result type"), { code: "0A000" })), true);
  assert.equal(isStalePlan(Object.assign(new Error("unsupported"), { code: "0A000" })), false);
  assert.equal(isStalePlan(Object.assign(new Error("duplicate key"), { code: "23505" })), false);
  assert.equal(isStalePlan(null), false);
});

interface Variant {
  name: string;
  /** Whether parameterized queries should show up in pg_prepared_statements. */
  named: boolean;
  open(): Promise<Database>;
}

const variants: Variant[] = [
  { name: "pglite", named: true, open: () => openTestPGlite() },
  {
    name: "pglite, past the statement cap",
    named: false,
    async open() {
      const pglite = await PGlite.create({ loadDataDir: await newClusterDump() });
      // A cap of one: the probe below takes it, so the queries under test run unnamed.
      const names = new StatementNames(1);
      names.nameOf("cap probe");
      const db = new Kysely<never>({ dialect: new PGliteDialect(pglite, names) });
      return { db, kind: "pglite", close: () => db.destroy() } as unknown as Database;
    },
  },
  ...(PG_URL
    ? [true, false].map((prepared): Variant => ({
      name: `postgres, DATABASE_PREPARED_STATEMENTS=${prepared ? "on" : "off"}`,
      named: prepared,
      open: () => openScratchPostgres(PG_URL!, "gh_stmt", { preparedStatements: prepared }),
    }))
    : []),
];

for (const variant of variants) {
  describe(`queries through the driver [${variant.name}]`, () => {
    let database: Database;
    // The suite's scratch table, outside the application's schema.
    const db = () => database.db as unknown as Kysely<{ scratch: Record<string, unknown> }>;

    before(async () => {
      database = await variant.open();
      await sql`CREATE TABLE scratch (id int PRIMARY KEY, label text, at timestamptz, flag boolean, doc jsonb, n bigint)`.execute(database.db);
    });
    after(() => database.close());

    test("values go in and come back as the application's types", async () => {
      const at = new Date("2026-11-23T10:20:30.456Z");
      await db().insertInto("scratch").values({ id: 1, label: "Zoë ✓ '; DROP TABLE scratch; --", at, flag: true, doc: JSON.stringify({ a: [1, "b"] }), n: 9007199254740991 }).execute();
      await db().insertInto("scratch").values({ id: 2, label: null, at: null, flag: false, doc: null, n: null }).execute();
      const rows = await db().selectFrom("scratch").selectAll().where("id", "in", [1, 2]).orderBy("id").execute();
      assert.deepEqual(rows, [
        { id: 1, label: "Zoë ✓ '; DROP TABLE scratch; --", at, flag: true, doc: { a: [1, "b"] }, n: 9007199254740991 },
        { id: 2, label: null, at: null, flag: false, doc: null, n: null },
      ]);
      const updated = await db().updateTable("scratch").set({ label: "x" }).where("id", ">", 0).executeTakeFirst();
      assert.equal(updated.numUpdatedRows, 2n);
    });

    test(variant.named ? "a parameterized query runs as a named prepared statement" : "parameterized queries run unnamed", async () => {
      const prepared = await db().connection().execute(async (conn) => {
        await conn.selectFrom("scratch").select("id").where("id", "=", 1).execute();
        return (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(conn)).rows.map((r) => r.statement);
      });
      assert.equal(prepared.some((s) => s.includes('from "scratch" where "id" = $1')), variant.named, prepared.join("\n"));
    });

    test("a failed statement leaves the connection usable, and the same statement runs again", async () => {
      const byLabel = (label: unknown) => db().selectFrom("scratch").select("id").where("id", "=", label as number).execute();
      await assert.rejects(byLabel("not a number"), /invalid input syntax/);
      assert.deepEqual(await byLabel(1), [{ id: 1 }]);
    });

    test("a rolled-back transaction leaves nothing, through prepared statements too", async () => {
      await assert.rejects(database.db.transaction().execute(async (tx) => {
        await (tx as unknown as Kysely<{ scratch: Record<string, unknown> }>).insertInto("scratch").values({ id: 3, label: "gone" }).execute();
        throw new Error("abort");
      }), /abort/);
      assert.equal((await db().selectFrom("scratch").select("id").where("id", "=", 3).execute()).length, 0);
    });

    test("after a migration adds a column under a prepared SELECT *, the query prepares again and sees it", async () => {
      const one = () => db().selectFrom("scratch").selectAll().where("id", "=", 1).executeTakeFirstOrThrow();
      for (let i = 0; i < 6; i++) await one(); // past PostgreSQL's five custom plans
      await sql`ALTER TABLE scratch ADD COLUMN added text DEFAULT 'new'`.execute(database.db);
      for (let i = 0; i < 3; i++) assert.equal((await one()).added, "new");
    });
  });
}
