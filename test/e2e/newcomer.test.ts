/**
 * Tried as a new user would (issue 18): the usual mistakes and habits, run through the built CLI, asserting
 * the exit code and the words of each answer.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { BIN, runCli } from '../helpers/cli.js';

/** Every command path of the tree, from `findoc help`'s own listing down (e.g. companies sync). */
async function commandPaths(): Promise<string[][]> {
  const { buildProgram } = await import('../../src/cli.js');
  const walk = (c: import('commander').Command, prefix: string[]): string[][] =>
    c.commands.flatMap((x) => [[...prefix, x.name()], ...walk(x, [...prefix, x.name()])]);
  return walk(buildProgram() as unknown as import('commander').Command, []);
}

describe('a closed stdout (| head)', () => {
  it('generate --out - | head stops at once: exit 141 as SIGPIPE, and no "generated" line', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" generate --date 2017-06-01 --rows-per-day 2000000 --out - | head -c 2000 > /dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    assert.match(r.stderr, /exit=141/, r.stderr);
    assert.doesNotMatch(r.stderr, /generated/);
  });

  it('--help | head -1 is not an error either (exit 0 or 141, no stack)', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" replay --help | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    assert.match(r.stderr, /exit=(0|141)\b/, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|at .*\.js/);
    assert.match(r.stdout, /^Usage: findoc replay/);
  });
});

describe('--help reads at 80 columns', () => {
  it('every command and subcommand: no line over 80 columns but examples, defaults typed and shown once', async () => {
    for (const path of await commandPaths()) {
      const r = await runCli([...path, '--help']);
      assert.equal(r.code, 0, `${path.join(' ')}: ${r.stderr}`);
      const long = r.stdout.split('\n').filter((l) => l.length > 80 && !/^\s+\$ /.test(l));
      assert.deepEqual(long, [], `findoc ${path.join(' ')} --help`);
      assert.doesNotMatch(r.stdout, /default: "[\d.]+"/, `findoc ${path.join(' ')} --help: a number shown as a string`);
      assert.doesNotMatch(r.stdout, /default: \[\]/, `findoc ${path.join(' ')} --help: an empty default shown`);
      for (const item of r.stdout.split(/\n(?=  -)/)) {
        assert.ok((item.match(/\bdefault:/g) ?? []).length <= 1, `two defaults in: ${item}`);
      }
    }
  });

  it('findoc help companies sync shows the subcommand, and help of an unknown command is exit 64', async () => {
    const sync = await runCli(['help', 'companies', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /^Usage: findoc companies sync/);
    const none = await runCli(['help', 'companies', 'nosuch']);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /no command "companies nosuch"/);
    assert.match(none.stderr, /sync/);
  });

  it('the exit codes in findoc --help are the ones the README lists', async () => {
    const help = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    for (const code of [0, 1, 64, 65, 69, 70, 75, 78, 130, 141]) assert.match(help.replace(/\n/g, ' '), new RegExp(`\\b${code} [a-z]`), `exit ${code}`);
  });
});

describe('settings that are wrong, not services that are down: exit 78 naming the setting', () => {
  it('a database that does not exist, a role that does not exist (PostgreSQL answers: not "unavailable")', async () => {
    const { userInfo } = await import('node:os');
    const db = await runCli(['bands'], { DATABASE_URL: `postgres://${userInfo().username}@127.0.0.1:5432/findoc_no_such_db` });
    assert.equal(db.code, 78, db.stderr);
    assert.match(db.stderr, /database "findoc_no_such_db" does not exist/);
    assert.match(db.stderr, /DATABASE_URL/);
    assert.doesNotMatch(db.stderr, /unavailable|stack:up/);
    const role = await runCli(['companies', 'show', '320193'], { DATABASE_URL: 'postgres://findoc_no_such_role@127.0.0.1:5432/findoc' });
    assert.equal(role.code, 78, role.stderr);
    assert.match(role.stderr, /refused the login: role "findoc_no_such_role" does not exist/);
    assert.match(role.stderr, /DATABASE_URL/);
  });

  it('S3 credentials refused by the server', async () => {
    const r = await runCli(['replay', 's3://findoc-newcomer/none/', '--topic', 'newcomer.creds'], {
      AWS_ACCESS_KEY_ID: 'not-the-key',
      AWS_SECRET_ACCESS_KEY: 'not-the-secret',
    });
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /InvalidAccessKeyId/);
    assert.match(r.stderr, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.doesNotMatch(r.stderr, /not-the-secret/);
  });

  it('a misspelled key in the config file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'findoc-newcomer-')), 'config.json');
    writeFileSync(file, JSON.stringify({ kafak: {} }));
    const r = await runCli(['--config', file, 'doctor']);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /unknown section "kafak" \(did you mean "kafka"\?\)/);
    assert.ok(r.stderr.includes(file), r.stderr);
  });
});

describe('nothing done in silence', () => {
  const sample = new URL('../../../shared/data/edgar-samples/real/log20170628-70rows.csv', import.meta.url).pathname;

  async function schemaExists(schema: string): Promise<boolean> {
    const { default: pg } = await import('pg');
    const { stackConfig } = await import('../helpers/services.js');
    const pool = new pg.Pool({ connectionString: stackConfig().postgres.url });
    try {
      return (await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
    } finally {
      await pool.end();
    }
  }

  it('a date range that selects no file: replay and batch exit 65 naming what was searched; batch leaves no schema', async () => {
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { uniqueName, uniqueSchema } = await import('../helpers/services.js');
    const data = mkdtempSync(join(tmpdir(), 'findoc-newcomer-data-'));
    copyFileSync(sample, join(data, 'log20170628.csv'));
    const replay = await runCli(['replay', data, '--from', '2017-07-01', '--to', '2017-07-02', '--topic', uniqueName('newcomer-range')]);
    assert.equal(replay.code, 65, replay.stderr);
    assert.match(replay.stderr, new RegExp(`no log files dated 2017-07-01 to 2017-07-02 in ${data}: the 1 found are dated 2017-06-28`));
    const schema = uniqueSchema('newcomer_range');
    const batch = await runCli(['batch', data, '--from', '2017-07-01', '--to', '2017-07-02', '--set', 'x'], { FINDOC_PG_SCHEMA: schema });
    assert.equal(batch.code, 65, batch.stderr);
    assert.match(batch.stderr, /no log files dated 2017-07-01 to 2017-07-02/);
    assert.doesNotMatch(batch.stdout + batch.stderr, /bands recomputed/);
    assert.equal(await schemaExists(schema), false, 'no schema was created');
  });

  it('batch foo.csv --set x fails (65) and leaves no set behind', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { uniqueSchema } = await import('../helpers/services.js');
    const foo = join(mkdtempSync(join(tmpdir(), 'findoc-newcomer-foo-')), 'foo.csv');
    writeFileSync(foo, 'ip,date,time\n');
    const schema = uniqueSchema('newcomer_foo');
    const r = await runCli(['batch', foo, '--set', 'x'], { FINDOC_PG_SCHEMA: schema });
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stdout + r.stderr, /no logYYYYMMDD date in the file name/);
    assert.equal(await schemaExists(schema), false, 'no schema (so no set) was created');
  });
});

describe('a network failure is retried, then said as one', () => {
  it('download without a reachable host: retried, then exit 69 naming the host (not "internal error", not 70)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const out = mkdtempSync(join(tmpdir(), 'findoc-newcomer-dl-'));
    const r = await runCli(['download', '--date', '2017-06-30', '--base-url', 'http://no-such-host.invalid/dera', '--out', out, '--retries', '2']);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /no-such-host\.invalid could not be reached \(getaddrinfo ENOTFOUND no-such-host\.invalid \(3 attempts\)\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /internal error/);
  });
});

describe('S3 without credentials', () => {
  it('an endpoint with no credentials set is exit 78 naming the settings, not "unavailable"', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    // Not the local stack's endpoint as written, so no built-in credentials apply.
    const file = join(mkdtempSync(join(tmpdir(), 'findoc-newcomer-s3-')), 'log20170628.csv');
    writeFileSync(file, 'x');
    const r = await runCli(['generate', '--date', '2017-06-01', '--rows-per-day', '1000', '--to-s3', 's3://findoc-newcomer/x/'], { AWS_ENDPOINT_URL_S3: 'http://localhost:9000', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'findoc-none', AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: file });
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /no credentials for this endpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('one name per flag: the renamed spellings still work, with a deprecation line', () => {
  it('download --to-dir is --out (as in generate); bands --from/--to are --start-at/--end-at (times of day)', async () => {
    const r = await runCli(['download', '--date', '2017-06-30', '--list', '--to-dir', '/tmp/findoc-newcomer-list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /log20170630\.zip/);
    assert.match(r.stderr, /findoc download: --to-dir is deprecated here, use --out/);
    const help = await runCli(['download', '--help']);
    assert.match(help.stdout, /--out <dir>/);
    assert.doesNotMatch(help.stdout, /--to-dir/);
    const bands = await runCli(['bands', '--help']);
    assert.match(bands.stdout, /--start-at <HH:MM:SS>/);
    assert.doesNotMatch(bands.stdout, /--from|--to\b/);
  });
});

describe('a value outside what a service accepts is a usage error, before connecting', () => {
  it('stream --session-timeout 1s or 2h: exit 64 naming the range Kafka accepts (not "Kafka unavailable")', async () => {
    for (const value of ['1s', '2h']) {
      // Unreachable services: the answer must come before any connection is tried.
      const r = await runCli(['--brokers', '127.0.0.1:1', '--redis-url', 'redis://127.0.0.1:1', 'stream', '--session-timeout', value]);
      assert.equal(r.code, 64, `${value}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--session-timeout must be between 6s and 30m, got "${value}"`));
      assert.doesNotMatch(r.stderr, /unavailable|stack:up/);
    }
  });

  it('stream --from is --start-offset now (--from is a date everywhere): the old spelling works, with a deprecation line', async () => {
    const r = await runCli(['--brokers', '127.0.0.1:1', '--redis-url', 'redis://127.0.0.1:1', 'stream', '--from', 'latest', '--session-timeout', '1s']);
    assert.match(r.stderr, /findoc stream: --from is deprecated here, use --start-offset/);
    const help = await runCli(['stream', '--help']);
    assert.match(help.stdout, /--start-offset <where>/);
    assert.doesNotMatch(help.stdout, /--from/);
  });
});

describe('a date flag is a date in every command that reads days', () => {
  it('--date D reads the file of day D in replay, batch and sessions, as in download and generate', async () => {
    const { mkdtempSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const real = new URL('../../../shared/data/edgar-samples/real/', import.meta.url).pathname;
    const data = mkdtempSync(join(tmpdir(), 'findoc-newcomer-days-'));
    copyFileSync(join(real, 'log20170628-70rows.csv'), join(data, 'log20170628.csv'));
    copyFileSync(join(real, 'log20170611-first32rows.csv'), join(data, 'log20170611.csv'));
    // sessions: 32 rows of 2017-06-11 only (the file's data rows, counted here).
    const s = await runCli(['sessions', data, '--date', '2017-06-11', '--inactivity', '30']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /from 32 rows in 1 file\(s\)/);
    for (const cmd of [['replay', data, '--topic', 'newcomer.dates'], ['batch', data], ['sessions', data, '--inactivity', '30']]) {
      const both = await runCli([...cmd, '--date', '2017-06-11', '--from', '2017-06-01']);
      assert.equal(both.code, 64, `${cmd[0]}: ${both.stderr}`);
      assert.match(both.stderr, /use either --date or --from\/--to, not both/);
      const bad = await runCli([...cmd, '--date', '2017-6-11']);
      assert.equal(bad.code, 64, `${cmd[0]}: ${bad.stderr}`);
      assert.match(bad.stderr, /--date 2017-6-11 is not a date/);
    }
  });
});

describe('an address from the config file', () => {
  it('a service down at an address the config file gave: the hint names the file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'findoc-newcomer-cfg-')), 'config.json');
    writeFileSync(file, JSON.stringify({ redis: { url: 'redis://127.0.0.1:1' } }));
    const r = await runCli(['--config', file, 'top']);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /Redis at 127\.0\.0\.1:1 is unavailable/);
    assert.ok(r.stderr.includes(`the Redis address comes from the config file ${file}`), r.stderr);
  });
});

describe('the same failure, the same answer', () => {
  it('companies sync without a reachable host: retried, then 69 naming it, as download', async () => {
    const r = await runCli(['companies', 'sync', '--base-url', 'http://no-such-host.invalid'], {}, { timeoutMs: 60_000 });
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /no-such-host\.invalid/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });

  it('a duration flag takes units everywhere: batch --lease 60s is a lease, not a usage error', async () => {
    const r = await runCli(['batch', '/nonexistent/findoc-newcomer', '--lease', '60s']);
    // The lease is accepted; what fails is the input, which is named.
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /input \/nonexistent\/findoc-newcomer does not exist/);
    assert.doesNotMatch(r.stderr, /--lease/);
  });
});
