/** findoc doctor as a user runs it: the built CLI against the local stack. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('findoc doctor', () => {
  it('reports all four services ok with --json, exit 0', async () => {
    const r = await runCli(['doctor', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; services: { service: string; ok: boolean; address: string }[] };
    assert.equal(out.ok, true);
    assert.deepEqual(out.services.map((s) => [s.service, s.ok]), [['Kafka', true], ['Redis', true], ['PostgreSQL', true], ['S3', true]]);
  });

  it('with Kafka unreachable exits 69 and names the address and KAFKA_BROKERS', async () => {
    const r = await runCli(['doctor'], { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(r.code, 69);
    assert.match(r.stdout, /Kafka\s+│\s+127\.0\.0\.1:1\s+│\s+failed/);
    assert.match(r.stderr, /Kafka at 127\.0\.0\.1:1 \(set KAFKA_BROKERS/);
  });

  it('never prints a password from a URL', async () => {
    const r = await runCli(['doctor', '--json'], { DATABASE_URL: 'postgres://alice:s3cretpw@127.0.0.1:1/findoc', REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
    assert.equal(r.code, 69);
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes('s3cretpw') && !text.includes('hunter2'), text);
    }
    const out = JSON.parse(r.stdout) as { services: { service: string; ok: boolean }[] };
    assert.deepEqual(out.services.filter((s) => !s.ok).map((s) => s.service).sort(), ['PostgreSQL', 'Redis']);
  });
});

describe('findoc CLI basics', () => {
  it('--help lists the commands and examples; --version prints the version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /doctor/);
    assert.match(help.stdout, /Examples:/);
    const v = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${pkg.version}\n`);
  });

  it('an unknown command or option is exit 64', async () => {
    assert.equal((await runCli(['nosuch'])).code, 64);
    assert.equal((await runCli(['doctor', '--nosuch'])).code, 64);
  });
});
