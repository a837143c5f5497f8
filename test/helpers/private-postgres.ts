/**
 * A PostgreSQL cluster of a test's own (fault tests stop and start it): initdb into a temporary folder, a
 * free port on 127.0.0.1, trust auth for the role `root`. The server refuses to run as root, so as root the
 * tools run as the `postgres` user (runuser), as Debian's own cluster does. The shared stack's database is
 * never touched.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/initdb'))) : [];
  return versions.length ? join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin') : '';
})();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly work: string,
    private readonly data: string,
  ) {}

  /** postgresql://root@127.0.0.1:PORT/postgres */
  get url(): string {
    return `postgresql://root@127.0.0.1:${this.port}/postgres`;
  }

  /** A new cluster, started. */
  static async create(): Promise<PrivatePostgres> {
    if (!PG_BIN) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
    const port = await freePort();
    const work = mkdtempSync(join(tmpdir(), 'findoc-pg-'));
    const data = join(work, 'data');
    chmodSync(work, 0o755);
    mkdirSync(data, { mode: 0o700 });
    if (process.getuid?.() === 0) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(data, id('-u'), id('-g'));
    }
    const pg = new PrivatePostgres(port, work, data);
    pg.tool('initdb', ['-D', data, '-U', 'root', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    pg.start();
    return pg;
  }

  start(): void {
    this.tool('pg_ctl', ['-D', this.data, '-l', join(this.data, 'server.log'), '-w', '-t', '60', '-o', `-p ${this.port} -k ${this.data} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  /** immediate: a crash (connections cut, no checkpoint); fast: a clean shutdown. */
  stop(mode: 'immediate' | 'fast' = 'immediate'): void {
    this.tool('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
  }

  /** Stops the server if it runs and deletes its folder. */
  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // not running
    }
    rmSync(this.work, { recursive: true, force: true });
  }

  private tool(name: string, args: string[]): string {
    const argv = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', join(PG_BIN, name), ...args] : [join(PG_BIN, name), ...args];
    return execFileSync(argv[0], argv.slice(1), { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}
