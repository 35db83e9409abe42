import type { Kysely, Transaction } from "kysely";
import type { DB } from "./schema.js";

/** Repos run on the pool or inside a transaction alike. */
export type Queryable = Kysely<DB> | Transaction<DB>;
