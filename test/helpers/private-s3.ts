/**
 * An S3 server of a test's own (fault tests kill it): S3Proxy from the jars the local stack fetched
 * (.stack/s3proxy/classpath, `bash stack/stack.sh fetch`), filesystem backend in a temporary folder, a free
 * port, the stack's identity. The shared S3 on 127.0.0.1:9000 is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './private-postgres.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLASSPATH = join(ROOT, '.stack/s3proxy/classpath');
const LOGBACK = join(ROOT, 'stack/s3proxy/logback.xml');

export class PrivateS3 {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly work: string,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The environment that points findoc at this server (the stack's identity). */
  get env(): Record<string, string> {
    return { AWS_ENDPOINT_URL_S3: this.endpoint, AWS_ACCESS_KEY_ID: 'findoc', AWS_SECRET_ACCESS_KEY: 'findoc-local-secret', AWS_REGION: 'us-east-1' };
  }

  static async create(): Promise<PrivateS3> {
    if (!existsSync(CLASSPATH)) throw new Error(`S3Proxy jars not found in ${CLASSPATH}: run bash stack/stack.sh fetch`);
    const s3 = new PrivateS3(await freePort(), mkdtempSync(join(tmpdir(), 'findoc-s3-')));
    mkdirSync(join(s3.work, 'data'));
    writeFileSync(
      join(s3.work, 's3proxy.conf'),
      [
        `s3proxy.endpoint=${s3.endpoint}`,
        's3proxy.authorization=aws-v4',
        's3proxy.identity=findoc',
        's3proxy.credential=findoc-local-secret',
        'jclouds.provider=filesystem-nio2',
        `jclouds.filesystem.basedir=${join(s3.work, 'data')}`,
        '',
      ].join('\n'),
    );
    await s3.start();
    return s3;
  }

  async start(): Promise<void> {
    this.child = spawn('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlogback.configurationFile=${LOGBACK}`, '-cp', `${CLASSPATH}/*`, 'org.gaul.s3proxy.Main', '--properties', join(this.work, 's3proxy.conf')], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await fetch(this.endpoint, { signal: AbortSignal.timeout(1000) });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`private S3Proxy on ${this.port} did not answer`);
        await sleep(200);
      }
    }
  }

  /** kill -9: connections cut mid-transfer. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.work, { recursive: true, force: true });
  }
}
