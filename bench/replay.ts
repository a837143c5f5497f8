/**
 * Replay throughput against the machine's Kafka limit (DESIGN §5; issue 5: ≥ 150,000 visits/s and ≥ 50%
 * of kcat, memory flat).
 *
 *   node --import tsx bench/replay.ts [--rows N] [--alt-rows N] [--no-alternatives] [--real]
 *
 * Input: one day of N rows (default 2,000,000) made by `findoc generate` (bench/lib/input.ts, cached under
 * bench/out/data/); with --real, the real 2017-06-30 sample (../shared) repeated into a temporary
 * log20170630.csv of ≥ N rows instead. kcat gets the same rows as ip<TAB>row lines, written to a temporary
 * file. Every run produces to its own new 4-partition topic on the local stack (npm run stack:up), deleted
 * at the end. Measured:
 *
 *   kcat              kcat -P (librdkafka, Debian package; installed with apt-get when missing), idempotent,
 *                     acks=all, the same rows as ip<TAB>row lines: the reference.
 *   findoc            the built CLI, `findoc replay FILE --max --json`: its own duration (reading, parsing,
 *                     re-stamping, producing, waiting for the last acknowledgement); wall time with Node's
 *                     start-up is printed beside. Peak RSS of the process (VmHWM, polled), at two input sizes
 *                     (--limit N/4 and all N): flat memory means the two are close.
 *   kafkajs, platformatic-send
 *                     the same replay loop (src/replay/replay.ts) in a child process with another sink behind
 *                     the same RecordSink interface: kafkajs 2.2.4 (the design card's client; idempotent,
 *                     10,000 messages per send) and @platformatic/kafka's Producer.send (idempotent, 10,000 per
 *                     send). On the first --alt-rows rows (default 300,000): they are slow. The figures in
 *                     src/adapters/kafka/producer.ts come from here.
 *
 * Machines are shared and noisy: compare ratios within one run, not absolute values across runs.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finished } from 'node:stream/promises';
import { Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { createKafka, ensureTopic, withAdmin } from '../src/adapters/kafka/admin.js';
import { resolveConfig } from '../src/core/config.js';
import { replay, type RecordSink } from '../src/replay/replay.js';
import { generatedDays, writeKcatInput } from './lib/input.js';
import { measure } from './lib/measure.js';
import { peakRssMiB, report, type Figure } from './lib/report.js';

const SAMPLE = join(import.meta.dirname, '../../shared/data/edgar-samples/real/log20170630-first24999rows.csv');
const BIN = fileURLToPath(new URL('../bin/findoc', import.meta.url));
const PARTITIONS = 4;
const config = resolveConfig({}, process.env);
const brokers = config.kafka.brokers.join(',');

interface Args {
  rows: number;
  altRows: number;
  alternatives: boolean;
  real: boolean;
  variant?: string;
  input?: string;
  topic?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rows: 2_000_000, altRows: 300_000, alternatives: true, real: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--rows') a.rows = Number(argv[++i]);
    else if (x === '--alt-rows') a.altRows = Number(argv[++i]);
    else if (x === '--no-alternatives') a.alternatives = false;
    else if (x === '--real') a.real = true;
    else if (x === '--variant') a.variant = argv[++i];
    else if (x === '--input') a.input = argv[++i];
    else if (x === '--topic') a.topic = argv[++i];
    else {
      console.log('usage: node --import tsx bench/replay.ts [--rows N] [--alt-rows N] [--no-alternatives] [--real]');
      process.exit(x === '--help' || x === '-h' ? 0 : 64);
    }
  }
  return a;
}

// ───────────── alternative sinks (child process: --variant NAME) ─────────────

/** kafkajs behind RecordSink: batches of 10,000 messages, one send in flight (idempotent). */
async function kafkajsSink(topic: string): Promise<RecordSink & { close(): Promise<void> }> {
  const kafka = new Kafka({ clientId: 'findoc-bench', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let queue: { key: Buffer; value: Buffer; timestamp: string }[] = [];
  let inflight: Promise<unknown> | null = null;
  let acked = 0;
  const sink = {
    add(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number, ts: number) {
      if (queue.length >= 10_000) return false;
      queue.push({ key: Buffer.from(key.subarray(ks, ke)), value: Buffer.from(value.subarray(vs, ve)), timestamp: String(ts) });
      return true;
    },
    async send() {
      await inflight;
      if (queue.length === 0) return;
      const messages = queue;
      queue = [];
      inflight = producer.send({ topic, acks: -1, messages }).then(() => (acked += messages.length));
    },
    async flush() {
      await sink.send();
      await inflight;
    },
    get acked() {
      return acked;
    },
    close: () => producer.disconnect(),
  };
  return sink;
}

/** @platformatic/kafka's Producer.send behind RecordSink: batches of 10,000, one send in flight (idempotent). */
async function platformaticSink(topic: string): Promise<RecordSink & { close(): Promise<void> }> {
  const producer = new Producer({ clientId: 'findoc-bench', bootstrapBrokers: config.kafka.brokers, idempotent: true });
  let queue: { topic: string; key: Buffer; value: Buffer; timestamp: bigint }[] = [];
  let inflight: Promise<unknown> | null = null;
  let acked = 0;
  const sink = {
    add(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number, ts: number) {
      if (queue.length >= 10_000) return false;
      queue.push({ topic, key: Buffer.from(key.subarray(ks, ke)), value: Buffer.from(value.subarray(vs, ve)), timestamp: BigInt(ts) });
      return true;
    },
    async send() {
      await inflight;
      if (queue.length === 0) return;
      const messages = queue;
      queue = [];
      inflight = producer.send({ messages }).then(() => (acked += messages.length));
    },
    async flush() {
      await sink.send();
      await inflight;
    },
    get acked() {
      return acked;
    },
    close: () => producer.close(),
  };
  return sink;
}

async function runVariant(args: Args): Promise<void> {
  const sink = args.variant === 'kafkajs' ? await kafkajsSink(args.topic!) : await platformaticSink(args.topic!);
  const t0 = performance.now();
  const s = await replay(args.input!, sink, { pace: { mode: 'max' }, limit: args.altRows });
  const ms = performance.now() - t0;
  await sink.close();
  process.stdout.write(JSON.stringify({ visits: s.visitsSent, ms, rssMiB: peakRssMiB() }) + '\n');
}

// ───────────── parent ─────────────

function ensureKcat(): boolean {
  if (spawnSync('kcat', ['-V']).status === 0) return true;
  process.stderr.write('bench: kcat missing, installing the Debian package (apt-get install -y kcat)\n');
  const r = spawnSync('bash', ['-c', 'apt-get install -y kcat || (apt-get update && apt-get install -y kcat)'], { stdio: 'inherit' });
  return r.status === 0 && spawnSync('kcat', ['-V']).status === 0;
}

/** A generated day of `rows` rows, and the same rows as ip<TAB>row lines for kcat. */
async function makeInputs(dir: string, rows: number): Promise<{ csv: string; kv: string; rows: number }> {
  const day = await generatedDays({ rowsPerDay: rows, format: 'csv' });
  const csv = day.files[0];
  const kv = join(dir, 'kcat-input.txt');
  const n = await writeKcatInput(csv, kv);
  if (n !== day.rows) throw new Error(`${csv}: ${n} rows, findoc generate said ${day.rows}`);
  return { csv, kv, rows: n };
}

/** The real sample's rows repeated into log20170630.csv (≥ rows rows) and the same rows as ip<TAB>row lines for kcat. */
async function makeRealInputs(dir: string, rows: number): Promise<{ csv: string; kv: string; rows: number }> {
  const text = readFileSync(SAMPLE, 'utf8');
  const lines = text.split('\n');
  const header = lines[0];
  const body = lines.slice(1).filter((l) => l.length > 0);
  const copies = Math.ceil(rows / body.length);
  const csv = join(dir, 'log20170630.csv');
  const kv = join(dir, 'kcat-input.txt');
  const chunkCsv = body.join('\n') + '\n';
  const chunkKv = body.map((l) => `${l.slice(0, l.indexOf(','))}\t${l}`).join('\n') + '\n';
  const a = createWriteStream(csv);
  const b = createWriteStream(kv);
  a.write(header + '\n');
  for (let i = 0; i < copies; i++) {
    if (!a.write(chunkCsv)) await new Promise<void>((r) => a.once('drain', () => r()));
    if (!b.write(chunkKv)) await new Promise<void>((r) => b.once('drain', () => r()));
  }
  a.end();
  b.end();
  await Promise.all([finished(a), finished(b)]);
  return { csv, kv, rows: copies * body.length };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.variant) return runVariant(args);

  const kafka = createKafka(config.kafka, { retries: 5 });
  const topics: string[] = [];
  const newTopic = async (label: string) => {
    const t = `bench-replay-${label}-${Date.now().toString(36)}`;
    await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, t, PARTITIONS));
    topics.push(t);
    return t;
  };
  const dir = mkdtempSync(join(tmpdir(), 'findoc-bench-replay-'));
  const figures: Figure[] = [];
  try {
    const input = args.real ? await makeRealInputs(dir, args.rows) : await makeInputs(dir, args.rows);
    process.stderr.write(`bench: ${input.rows.toLocaleString('en-US')} rows in ${input.csv}\n`);

    // Reference: kcat.
    if (!ensureKcat()) throw new Error('kcat is missing and could not be installed (apt-get install -y kcat): no reference, no figure');
    const kt = await newTopic('kcat');
    const k = await measure('kcat', ['-P', '-b', brokers, '-t', kt, '-K', '\t', '-X', 'enable.idempotence=true', '-X', 'acks=all'], { stdinFile: input.kv });
    if (k.code !== 0) throw new Error(`kcat failed: ${k.stderr}`);
    const kcatRate = (input.rows * 1000) / k.wallMs;
    process.stderr.write(`bench: kcat ${input.rows} rows in ${Math.round(k.wallMs)} ms, peak RSS ${k.peakRssMiB.toFixed(0)} MiB\n`);

    // findoc replay --max, the built CLI; a quarter of the input first, for the memory comparison.
    const small = Math.floor(input.rows / 4);
    const runFindoc = async (limit?: number) => {
      const t = await newTopic('findoc');
      const m = await measure(process.execPath, [BIN, 'replay', input.csv, '--max', '--topic', t, '--json', ...(limit ? ['--limit', String(limit)] : [])]);
      if (m.code !== 0) throw new Error(`findoc replay failed: ${m.stderr}`);
      const s = JSON.parse(m.stdout) as { visitsSent: number; durationMs: number };
      return { ...m, visits: s.visitsSent, rate: (s.visitsSent * 1000) / s.durationMs };
    };
    const quarter = await runFindoc(small);
    const full = await runFindoc();
    figures.push({
      bench: 'replay',
      metric: 'findoc_visits_per_s',
      value: full.rate,
      unit: 'visits/s',
      reference: 'kcat',
      reference_value: kcatRate,
      target: '>= 150000 and ratio >= 0.5',
      note: `--max, ${full.visits} visits; wall with start-up ${Math.round(full.wallMs)} ms; kcat: ${input.rows} rows in ${Math.round(k.wallMs)} ms`,
    });
    figures.push({
      bench: 'replay',
      metric: 'findoc_peak_rss_mib',
      value: full.peakRssMiB,
      unit: 'MiB',
      reference: 'kcat peak RSS',
      reference_value: k.peakRssMiB,
      note: `${full.visits} visits (input ${Math.round(statSync(input.csv).size / 2 ** 20)} MiB)`,
    });
    figures.push({
      bench: 'replay',
      metric: 'findoc_peak_rss_mib_quarter',
      value: quarter.peakRssMiB,
      unit: 'MiB',
      reference: 'all visits',
      reference_value: full.peakRssMiB,
      target: 'flat: ratio near 1',
      note: `${quarter.visits} visits (--limit)`,
    });

    if (args.alternatives) {
      for (const variant of ['kafkajs', 'platformatic-send']) {
        const t = await newTopic(variant);
        const m = await measure(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--variant', variant, '--input', input.csv, '--topic', t, '--alt-rows', String(args.altRows)]);
        if (m.code !== 0) throw new Error(`${variant} failed: ${m.stderr}`);
        const r = JSON.parse(m.stdout.trim().split('\n').pop()!) as { visits: number; ms: number };
        figures.push({
          bench: 'replay',
          metric: `${variant}_visits_per_s`,
          value: (r.visits * 1000) / r.ms,
          unit: 'visits/s',
          reference: 'kcat',
          reference_value: kcatRate,
          note: `same replay loop, another sink; ${r.visits} visits; peak RSS ${m.peakRssMiB.toFixed(0)} MiB`,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await withAdmin(kafka, config.kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
  }
  report(figures);
}

await main();
