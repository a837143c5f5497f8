/**
 * findoc alerts over the 1 h window (issue 16: answers in under 150 ms with 20,000 CIKs in the window),
 * beside the reference measured in the same run: `findoc top`'s read of the same hour (readTop('1h'):
 * the same Redis script and per-CIK counting, without the history) — the ratio says what the history
 * costs on top of the live read.
 *
 *   node --import tsx bench/alerts.ts [--rate 350] [--ciks 30000] [--runs 15]
 *
 * Input, written straight into a Redis namespace and a PostgreSQL schema of the bench's own (both removed
 * at the end), in the layouts docs/redis.md and docs/postgres.md give: an hour of CIK lists (`sec:<s>`,
 * --rate visits a second, CIKs drawn from a Zipf-like popularity over --ciks CIKs, so that the hour names
 * about 30,000 of them by default: the target says 20,000), and a day set whose baselines cover every CIK with a flat day curve. Timings
 * are the in-process query (src/query/alerts.ts run(): Redis read, F(W), baselines, ranking, names) and,
 * for a user's view, the whole CLI process (start-up included); the median of --runs counts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectPostgres, migrate, quoteIdent } from '../src/adapters/postgres.js';
import { connectRedis } from '../src/adapters/redis.js';
import { StreamState } from '../src/adapters/stream-state.js';
import { readWindowCounts } from '../src/adapters/stream-window.js';
import { resolveConfig } from '../src/core/config.js';
import { run } from '../src/query/alerts.js';
import { UNUSUAL_REFRESH_MS, readUnusual } from '../src/watch/unusual.js';
import { report } from './lib/report.js';
import { rngFor } from '../src/generate/prng.js';

const args = { rate: 350, ciks: 30_000, runs: 15 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '') as keyof typeof args;
  if (!(k in args)) throw new Error(`unknown flag ${process.argv[i]} (flags: --rate, --ciks, --runs)`);
  args[k] = Number(process.argv[i + 1]);
}
const BIN = fileURLToPath(new URL('../bin/findoc', import.meta.url));
const config = resolveConfig({}, process.env);
const tag = `bench-alerts-${Date.now().toString(36)}`;
const prefix = `${tag}:`;
const schema = tag.replace(/-/g, '_');
const END = Date.UTC(2017, 5, 30, 15, 0, 0) / 1000;

/** The project's seeded PRNG (src/generate/prng.ts), as a uniform in [0, 1). */
function prng(seed: number): () => number {
  const rng = rngFor(seed, 0x616c7274); // "alrt"
  return () => rng.next() / 2 ** 32;
}

async function fillRedis(state: StreamState): Promise<void> {
  const random = prng(16);
  // CIK of rank r (1-based) drawn with weight ~ 1 / r^0.9: a long tail, as EDGAR's.
  const weights = Float64Array.from({ length: args.ciks }, (_, r) => 1 / Math.pow(r + 1, 0.9));
  const cum = new Float64Array(args.ciks);
  let acc = 0;
  weights.forEach((w, i) => (cum[i] = acc += w));
  const draw = () => {
    const x = random() * acc;
    let lo = 0;
    let hi = args.ciks - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return 1000 + lo;
  };
  const k = state.keys;
  for (let s0 = END - 3599; s0 <= END; s0 += 300) {
    const p = state.redis.pipeline();
    for (let s = s0; s < s0 + 300 && s <= END; s++) {
      const buf = Buffer.alloc(args.rate * 5);
      for (let j = 0; j < args.rate; j++) {
        const cik = draw();
        buf[j * 5] = Math.floor(cik / 0x1_0000_0000);
        buf.writeUInt32BE(cik % 0x1_0000_0000, j * 5 + 1);
      }
      p.set(`${k.base}sec:${s}`, buf);
      p.zadd(k.secIndex, s, String(s));
    }
    await p.exec();
  }
  await state.redis.hset(k.totals, 'latest', END, 'visits', 3600 * args.rate);
  await state.redis.hset(k.meta, 'filter', 'all');
}

async function fillPostgres(pool: import('pg').Pool): Promise<void> {
  await migrate(pool, schema);
  await pool.query(`INSERT INTO day_sets (name, filter, days) VALUES ('default', 'all', 10)`);
  const daily = 86_400 * args.rate;
  await pool.query(
    `INSERT INTO set_attention (set_name, filter, days, cik_days, curve, total, fingerprint)
     VALUES ('default', 'all', 10, 10, array_fill($1::float8, ARRAY[86400]), $2, 'bench')`,
    [args.rate, daily],
  );
  // Baselines proportional to the same popularity, for every CIK but the last tenth (those are "new").
  let acc = 0;
  for (let r = 0; r < args.ciks; r++) acc += 1 / Math.pow(r + 1, 0.9);
  await pool.query(
    `INSERT INTO set_cik_baselines (set_name, cik, mean_visits, days_seen)
     SELECT 'default', 1000 + r, $1::float8 / power(r + 1, 0.9) / $2::float8, 10 FROM generate_series(0, $3::int - 1) AS r`,
    [daily, acc, Math.floor(args.ciks * 0.9)],
  );
}

function cliMs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [BIN, 'alerts', '--window', '1h', '--json', '--redis-prefix', prefix], {
      env: { ...process.env, FINDOC_PG_SCHEMA: schema },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(performance.now() - t) : reject(new Error(`findoc alerts exited ${code}`))));
  });
}

const redis = await connectRedis(config.redis.url);
const pool = await connectPostgres(config.postgres.url, { schema, max: 4 });
const state = new StreamState(redis, prefix);
try {
  await fillRedis(state);
  await fillPostgres(pool);
  const window = await readWindowCounts(state, 3600);
  const distinct = window.visits.size;
  const deps = { pool, state, postgresUrl: config.postgres.url, schema };
  const options = { set: 'default', window: '1h' as const, minVisits: 20, minScore: 4, limit: 20, redisPrefix: prefix };
  const alerts: number[] = [];
  const top: number[] = [];
  let listed = 0;
  await run(options, deps); // warm-up: connections, JIT
  await state.readTop('1h', 10);
  for (let i = 0; i < args.runs; i++) {
    let t = performance.now();
    listed = (await run(options, deps)).entries.length;
    alerts.push(performance.now() - t);
    t = performance.now();
    await state.readTop('1h', 10);
    top.push(performance.now() - t);
  }
  // watch's "unusual now" panel: its read (5 min window) once per UNUSUAL_REFRESH_MS; its CPU share of
  // a core is at most the read's time over the period (the process's part is less: Redis does some of it).
  const unusual: number[] = [];
  for (let i = 0; i < args.runs; i++) {
    const t = performance.now();
    await readUnusual(pool, state, 'default', 'all');
    unusual.push(performance.now() - t);
  }
  const cli: number[] = [];
  for (let i = 0; i < Math.min(5, args.runs); i++) cli.push(await cliMs());
  const note = `${distinct} distinct CIKs, ${3600 * args.rate} visits in the hour; ${listed} listed; median of ${args.runs}`;
  report([
    { bench: 'alerts', metric: 'alerts_1h_ms', value: median(alerts), unit: 'ms', reference: 'top 1h read', reference_value: median(top), target: '< 150 ms with ≥ 20,000 CIKs', note },
    { bench: 'alerts', metric: 'alerts_1h_cli_ms', value: median(cli), unit: 'ms', note: `whole process (node start-up included), median of ${cli.length}` },
    { bench: 'alerts', metric: 'ciks_in_window', value: distinct, unit: 'CIKs', target: '>= 20000' },
    { bench: 'alerts', metric: 'watch_unusual_read_ms', value: median(unusual), unit: 'ms', note: `watch's panel read (5 min window), every ${UNUSUAL_REFRESH_MS} ms` },
    { bench: 'alerts', metric: 'watch_unusual_core_pct', value: (100 * median(unusual)) / UNUSUAL_REFRESH_MS, unit: '% of a core', target: 'watch < 10 % of a core with the panel', note: 'upper bound: read time / refresh period' },
  ]);
} finally {
  await state.reset().catch(() => undefined);
  redis.disconnect();
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
  await pool.end();
}
