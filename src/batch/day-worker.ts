/**
 * Entry point of a batch worker thread (worker-pool.ts starts it). Runs one day at a time (day-job.ts) and
 * reports back: progress now and then, then the result — the 86,400 counts travel as a transferred
 * ArrayBuffer, not a copy — or the error. The thread opens its own S3 client and, for --raw, its own
 * PostgreSQL pool: clients cannot cross threads, settings can. Both are loaded on first use: the AWS SDK
 * alone takes ~0.5 s to import, a cost local-file runs need not pay per thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type pg from 'pg';
import type { ObjectStore } from '../adapters/s3.js';
import { runDayJob } from './day-job.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('day-worker.ts runs as a worker thread');

let store: Promise<ObjectStore> | undefined;
let pool: Promise<pg.Pool> | undefined;
const s3 = (settings: NonNullable<WorkerInit['s3']>) => (store ??= import('../adapters/s3.js').then((m) => new m.ObjectStore(settings)));
const postgres = (p: NonNullable<WorkerInit['postgres']>) =>
  (pool ??= import('../adapters/postgres.js').then((m) => m.createPool(p.url, { schema: p.schema, max: 1 })));

async function connect(p: NonNullable<WorkerInit['postgres']>): Promise<pg.PoolClient> {
  const { postgresUnavailable } = await import('../adapters/postgres.js');
  try {
    return await (await postgres(p)).connect();
  } catch (e) {
    throw postgresUnavailable(p.url, e);
  }
}

const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  if (m.type !== 'run') return;
  const { id, job } = m;
  (async () =>
    runDayJob(job, {
      store: job.source.kind === 's3' && init.s3 ? await s3(init.s3) : undefined,
      connect: init.postgres ? () => connect(init.postgres!) : undefined,
      onProgress: (p) => send({ type: 'progress', id, rows: p.rows, bytes: p.bytes }),
    }))().then(
    (result) => send({ type: 'done', id, result }, [result.counts.buffer as ArrayBuffer]),
    (e: unknown) => send({ type: 'error', id, error: serializeError(e) }),
  );
});
