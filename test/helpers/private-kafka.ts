/**
 * A private single-node KRaft Kafka for fault tests that kill the broker: its own ports and data folder,
 * started the way stack/stack.sh starts the stack's broker (the committed stack/kafka/server.properties
 * with the ports and log.dirs replaced, StorageTool format, then kafka.Kafka on the same classpath), so the
 * shared broker on 9092 is never touched.
 *
 * Classpath: FINDOC_KAFKA_CLASSPATH when set, else the repository's .stack/kafka/classpath (or
 * $FINDOC_STACK_DIR/kafka/classpath). When that is incomplete (a fresh clone), it is fetched the way the
 * stack does it: `bash stack/stack.sh fetch` (CI runs the same before the tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export function kafkaClasspath(): string {
  if (process.env.FINDOC_KAFKA_CLASSPATH) return process.env.FINDOC_KAFKA_CLASSPATH;
  const dir = join(process.env.FINDOC_STACK_DIR ?? join(ROOT, '.stack'), 'kafka', 'classpath');
  if (!existsSync(join(dir, '.complete'))) {
    const r = spawnSync('bash', [join(ROOT, 'stack/stack.sh'), 'fetch'], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    if (r.status !== 0) throw new Error(`bash stack/stack.sh fetch failed (exit ${r.status}): no Kafka classpath for the private broker`);
  }
  return dir;
}

function java(): string {
  const home = process.env.JAVA_HOME;
  return home && existsSync(join(home, 'bin/java')) ? join(home, 'bin/java') : 'java';
}

/** A port nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class PrivateKafka {
  private child: ChildProcess | null = null;
  private starts = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly classpath: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Formats a new data folder under `dir` and starts the broker on two free ports. */
  static async create(dir: string): Promise<PrivateKafka> {
    const classpath = kafkaClasspath();
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const k = new PrivateKafka(dir, port, controllerPort, classpath);
    k.writeProperties();
    const clusterId = randomBytes(16).toString('base64url');
    const format = spawnSync(
      java(),
      ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-Dfindoc.kafka.log.level=WARN', '-Dfindoc.kafka.log.target=SYSTEM_ERR', `-Dlog4j2.configurationFile=${join(ROOT, 'stack/kafka/log4j2.properties')}`,
        '-cp', `${classpath}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', k.properties, '--ignore-formatted'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (format.status !== 0) throw new Error(`formatting the private Kafka failed: ${format.stderr}${format.stdout}`);
    await k.start();
    return k;
  }

  get properties(): string {
    return join(this.dir, 'server.properties');
  }

  get log(): string {
    return join(this.dir, 'kafka.log');
  }

  private writeProperties(): void {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    const base = readFileSync(join(ROOT, 'stack/kafka/server.properties'), 'utf8')
      .replaceAll('127.0.0.1:9093', `127.0.0.1:${this.controllerPort}`)
      .replaceAll('127.0.0.1:9092', `127.0.0.1:${this.port}`);
    // Properties: the last key wins. Small heap-friendly settings for a test broker.
    writeFileSync(this.properties, `${base}\n# private test broker\nlog.dirs=${join(this.dir, 'data')}\n`);
  }

  /** Starts (or restarts, on the same data folder) and waits until it answers. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.child) throw new Error('private Kafka already running');
    this.starts++;
    const out = openSync(this.log, 'a');
    const child = spawn(
      java(),
      ['-Xms256m', '-Xmx256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${join(ROOT, 'stack/kafka/log4j2.properties')}`,
        '-cp', `${this.classpath}/*`, 'kafka.Kafka', this.properties],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + timeoutMs;
    const marker = this.starts;
    for (;;) {
      if (this.child !== child) throw new Error(`private Kafka exited during start; log ${this.log}:\n${readFileSync(this.log, 'utf8').slice(-3000)}`);
      const started = (readFileSync(this.log, 'utf8').match(/Kafka Server started/g) ?? []).length >= marker;
      if (started && (await portOpen(this.port))) return;
      if (Date.now() > deadline) {
        this.kill();
        await exited;
        throw new Error(`private Kafka not ready after ${timeoutMs} ms; log ${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** kill -9; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    child.kill('SIGKILL');
    await gone;
    this.child = null;
  }

  get running(): boolean {
    return this.child !== null;
  }
}
