import pg from "pg";

/** The log lines a listener writes (Fastify's logger fits). */
export interface ListenerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PgListenerOptions {
  url: string;
  /** A constant identifier (never user input): LISTEN takes no bind parameters. */
  channel: string;
  onNotify(payload: string): void;
  onState(up: boolean): void;
  log: ListenerLog;
  /** A `SELECT 1` this often finds a connection that died silently (half-open TCP). */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

export interface PgListener {
  healthy(): boolean;
  /** Resolves when listening, or after `timeoutMs` regardless (start-up need not fail on it). */
  whenUp(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One dedicated connection (not a pool client: LISTEN belongs to a session, and
 * a pooler in transaction mode would lose it) that LISTENs on `channel`,
 * reconnects with backoff when it drops, and reports up/down transitions.
 */
export function startPgListener(opts: PgListenerOptions): PgListener {
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 3_000;
  let client: pg.Client | null = null;
  let up = false;
  let closed = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let waiters: Array<(up: boolean) => void> = [];

  function setUp(next: boolean, err?: unknown) {
    if (up === next) return;
    up = next;
    if (next) {
      opts.log.info({ channel: opts.channel }, "cache invalidation listener connected");
      for (const resolve of waiters) resolve(true);
      waiters = [];
    } else if (!closed) {
      opts.log.warn(
        { channel: opts.channel, err: err instanceof Error ? err.message : String(err) },
        "cache invalidation listener lost PostgreSQL; cached sessions are trusted for at most 1 s until it reconnects",
      );
    }
    opts.onState(next);
  }

  function drop(c: pg.Client, err: unknown) {
    if (client !== c) return;
    client = null;
    c.end().catch(() => {});
    setUp(false, err);
    schedule();
  }

  function schedule() {
    if (closed || retryTimer) return;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures++, 6));
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  }

  async function connect() {
    if (closed) return;
    const c = new pg.Client({
      connectionString: opts.url,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      application_name: "gatehouse-listener",
    });
    client = c;
    c.on("notification", (msg) => {
      if (msg.channel === opts.channel && msg.payload !== undefined) opts.onNotify(msg.payload);
    });
    c.on("error", (err) => drop(c, err));
    c.on("end", () => drop(c, new Error("connection ended")));
    try {
      await c.connect();
      await c.query(`LISTEN ${opts.channel}`);
      if (client !== c) return;
      failures = 0;
      setUp(true);
    } catch (err) {
      drop(c, err);
    }
  }

  const heartbeat = setInterval(() => {
    const c = client;
    if (!c || !up) return;
    withTimeout(c.query("SELECT 1"), heartbeatTimeoutMs, "listener heartbeat").catch((err: unknown) => drop(c, err));
  }, heartbeatMs);
  heartbeat.unref();

  void connect();

  return {
    healthy: () => up,
    whenUp(timeoutMs) {
      if (up) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          resolve(false);
        }, timeoutMs);
        const done = (v: boolean) => {
          clearTimeout(timer);
          resolve(v);
        };
        waiters.push(done);
      });
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(retryTimer);
      const c = client;
      client = null;
      up = false;
      if (c) await withTimeout(c.end(), 2_000, "listener close").catch(() => {});
    },
  };
}
