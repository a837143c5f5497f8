/**
 * Where days are parsed: a pool of worker threads (the default: parsing is CPU-bound and a day is
 * independent of the others; see defaultWorkers), or the main thread itself (`--workers 0`, for debugging and for the
 * benchmark's comparison). The main thread only coordinates: claims, heartbeats and commits (run.ts).
 *
 * A thread runs one day at a time. Cancelling a day (lease lost, Ctrl-C) terminates its thread — the only
 * way to stop a parse promptly — and a fresh thread replaces it on the next job. Terminating a thread
 * closes its file handles, S3 sockets and PostgreSQL connection (an unfinished COPY is rolled back by the
 * server).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DayJob, DayJobEnv, DayJobResult, DayProgress } from './day-job.js';
import { DayAborted, runDayJob } from './day-job.js';
import { deserializeError, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';
import { withSecrets } from '../core/config.js';

export interface DayRunner {
  /** How many days it runs at once. */
  readonly slots: number;
  run(job: DayJob, onProgress?: (p: DayProgress) => void): Promise<DayJobResult>;
  /** Stops the day's job; its run() rejects with DayAborted. */
  cancel(day: string): void;
  close(): Promise<void>;
}

/**
 * One parsing thread per core but one: the main thread (claims, heartbeats, commits of 86,400-count rows)
 * and the PostgreSQL backend need a core too. Measured with bench/batch.ts on the 2-vCPU development
 * machine (4 days × 2 M rows, best of 2, two runs): 1 thread 2.38 and 2.51 M rows/s, 2 threads 2.11 and
 * 1.86 M rows/s, no thread (--workers 0) 1.28 and 1.13 M rows/s. On more cores more threads pay.
 */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** `--workers 0`: days run one at a time in the calling thread. */
export class InlineRunner implements DayRunner {
  readonly slots = 1;
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly env: Omit<DayJobEnv, 'signal' | 'onProgress'>) {}

  async run(job: DayJob, onProgress?: (p: DayProgress) => void): Promise<DayJobResult> {
    const controller = new AbortController();
    this.running.set(job.day, controller);
    try {
      return await runDayJob(job, { ...this.env, signal: controller.signal, onProgress });
    } finally {
      this.running.delete(job.day);
    }
  }

  cancel(day: string): void {
    this.running.get(day)?.abort();
  }

  async close(): Promise<void> {
    for (const c of this.running.values()) c.abort();
  }
}

interface Slot {
  worker: Worker | null;
  job: { id: number; day: string; resolve: (r: DayJobResult) => void; reject: (e: unknown) => void; onProgress?: (p: DayProgress) => void } | null;
}

/** N worker threads (day-worker.ts). */
export class ThreadRunner implements DayRunner {
  readonly slots: number;
  private readonly pool: Slot[];
  private nextId = 1;

  constructor(threads: number, private readonly init: WorkerInit) {
    this.slots = Math.max(1, threads);
    this.pool = Array.from({ length: this.slots }, () => ({ worker: null, job: null }));
  }

  run(job: DayJob, onProgress?: (p: DayProgress) => void): Promise<DayJobResult> {
    const slot = this.pool.find((s) => s.job === null);
    if (!slot) return Promise.reject(new Error('no free worker thread (the caller runs at most `slots` days at once)'));
    const id = this.nextId++;
    return new Promise<DayJobResult>((resolve, reject) => {
      slot.job = { id, day: job.day, resolve, reject, onProgress };
      const worker = slot.worker ?? this.start(slot);
      // A busy thread keeps the process alive (the main thread may have nothing else pending); an idle
      // one must not keep it alive once the run is over.
      worker.ref();
      worker.postMessage({ type: 'run', id, job } satisfies ToWorker);
    });
  }

  cancel(day: string): void {
    const slot = this.pool.find((s) => s.job?.day === day);
    if (!slot?.job) return;
    const job = slot.job;
    slot.job = null;
    const worker = slot.worker;
    slot.worker = null;
    void worker?.terminate();
    job.reject(new DayAborted(day));
  }

  async close(): Promise<void> {
    for (const slot of this.pool) {
      if (slot.job) this.cancel(slot.job.day);
      const w = slot.worker;
      slot.worker = null;
      if (w) await w.terminate();
    }
  }

  private start(slot: Slot): Worker {
    const worker = spawnDayWorker(this.init);
    slot.worker = worker;
    worker.on('message', (m: FromWorker) => {
      const job = slot.job;
      if (!job || m.id !== job.id) return; // a cancelled job's late message
      if (m.type === 'progress') job.onProgress?.({ rows: m.rows, bytes: m.bytes });
      else {
        slot.job = null;
        worker.unref();
        if (m.type === 'done') job.resolve(m.result);
        else job.reject(deserializeError(m.error));
      }
    });
    const fail = (e: unknown) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const job = slot.job;
      slot.job = null;
      job?.reject(e instanceof Error ? e : new Error(`batch worker thread exited (${String(e)})`));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`batch worker thread exited with code ${code}`)));
    return worker;
  }
}

/**
 * Starts day-worker.js beside this file. Under tsx (tests, benchmarks run from the TypeScript sources) a
 * worker thread does not inherit the --import hook, so a small bootstrap registers tsx in the thread first.
 */
function spawnDayWorker(settings: WorkerInit): Worker {
  // The S3 secret key is non-enumerable in Config (config.ts): a structured clone would drop it.
  const init: WorkerInit = { ...settings, s3: settings.s3 && withSecrets(settings.s3) };
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './day-worker.ts' : './day-worker.js', import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: init });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}
