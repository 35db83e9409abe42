import autocannon from "autocannon";

export interface LoadResult {
  /** Successful (2xx) answers per second over the whole phase. */
  rps: number;
  /** Latency of 2xx answers in milliseconds, to the microsecond (autocannon's own histogram rounds to whole ms). */
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  seconds: number;
  /** The sorted 2xx latencies behind p50/p99, so slices of one measure combine exactly (left out of the JSON results). */
  samples: number[];
}

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Called per request: a fresh body (e.g. the next user's credentials). */
  body?: () => string;
  /** Called per request: extra headers (e.g. the next session's bearer token). */
  headersFor?: () => Record<string, string>;
  connections: number;
  seconds: number;
}

/** One autocannon phase over loopback; any non-2xx answer counts as failed. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const headers = { ...(opts.body ? { "content-type": "application/json" } : {}), ...opts.headers };
  const started = performance.now();
  const samples: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: opts.url,
      connections: opts.connections,
      duration: opts.seconds,
      timeout: 30,
      requests: [
        {
          method: opts.method ?? "GET",
          headers,
          ...(opts.body || opts.headersFor
            ? {
              setupRequest: (req: autocannon.Request) => ({
                ...req,
                ...(opts.body ? { body: opts.body() } : {}),
                ...(opts.headersFor ? { headers: { ...req.headers, ...opts.headersFor() } } : {}),
              }),
            }
            : {}),
        },
      ],
    }, (error, result) => (error ? reject(error) : resolve(result)));
    // autocannon's own histogram holds whole milliseconds; its response event has the exact duration.
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) samples.push(ms);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const ok = result["2xx"];
  samples.sort((a, b) => a - b);
  return {
    rps: ok / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    seconds,
    samples,
  };
}

/** Slices of one measure (alternated with its floor's) add up: rate from the totals, percentiles from all samples. */
export function combine(parts: LoadResult[]): LoadResult {
  const ok = parts.reduce((a, p) => a + p.ok, 0);
  const seconds = parts.reduce((a, p) => a + p.seconds, 0);
  const samples = parts.flatMap((p) => p.samples).sort((a, b) => a - b);
  return {
    rps: ok / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    ok,
    failed: parts.reduce((a, p) => a + p.failed, 0),
    seconds,
    samples,
  };
}

/**
 * The median over rounds of measure ÷ baseline (p50, or requests per second), each round's two
 * slices run back to back: a disturbance of the machine that lands on one slice moves one pair,
 * not the reading.
 */
export function medianPairedRatio(measure: LoadResult[], baseline: LoadResult[], of: "p50" | "rps" = "p50"): number {
  if (measure.length !== baseline.length || measure.length === 0) throw new Error("paired slices: one measure per baseline");
  const ratios = measure.map((m, i) => m[of] / baseline[i]![of]).sort((a, b) => a - b);
  const mid = ratios.length / 2;
  return Number.isInteger(mid) ? (ratios[mid - 1]! + ratios[mid]!) / 2 : ratios[Math.floor(mid)]!;
}

/** Percentile of sorted millisecond samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * A multi-request journey (login, then verify-mfa) run by `connections` workers
 * in a closed loop for `seconds`; latency is the whole journey's.
 */
export async function journeys(opts: { connections: number; seconds: number; run: () => Promise<boolean> }): Promise<LoadResult> {
  const deadline = performance.now() + opts.seconds * 1000;
  const samples: number[] = [];
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const ok = await opts.run().catch(() => false);
        if (ok) samples.push(performance.now() - t);
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  return { rps: samples.length / seconds, p50: percentile(samples, 50), p99: percentile(samples, 99), ok: samples.length, failed, seconds, samples };
}
