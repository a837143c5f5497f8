/**
 * Issue 17 item 6: passwords in DATABASE_URL, REDIS_URL, KAFKA_SASL_PASSWORD and AWS_SECRET_ACCESS_KEY,
 * every service pointed at a closed port on loopback so each command fails fast; the failure paths of the
 * commands must not print any secret, on stdout or stderr, with or without --json.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

// Passwords holding "@" and "/", percent-encoded in the URLs as a URL requires (raw ones would not even
// parse: the host would become a piece of the password; redactText's unit tests cover raw ones).
const SECRETS = ['pg-p@ss/w0rd', 'redis-p@ss/w0rd', 'kafka-sasl-s3cr3t', 'aws-secret-k3y'];
const enc = encodeURIComponent;
const CLOSED = '127.0.0.1:9'; // discard port: nothing listens on loopback
const ENV = {
  DATABASE_URL: `postgres://findoc:${enc(SECRETS[0])}@${CLOSED}/findoc?password=${enc(SECRETS[0])}`,
  REDIS_URL: `redis://:${enc(SECRETS[1])}@${CLOSED}`,
  KAFKA_BROKERS: CLOSED,
  KAFKA_SASL_USERNAME: 'findoc',
  KAFKA_SASL_PASSWORD: SECRETS[2],
  AWS_ENDPOINT_URL_S3: `http://${CLOSED}`,
  AWS_ACCESS_KEY_ID: 'findoc',
  AWS_SECRET_ACCESS_KEY: SECRETS[3],
  FINDOC_USER_AGENT: 'findoc tests admin@example.com',
  HOME: '/nonexistent-findoc-home',
};
const dir = mkdtempSync(join(tmpdir(), 'findoc-secrets-'));
const csv = join(dir, 'log20030301.csv');
writeFileSync(csv, 'ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser\n1.2.3.abc,2003-03-01,00:00:00,500.0,1.0,a,b,200.0,1.0,0.0,0.0,0.0,0.0,0.0,\n');

const COMMANDS: string[][] = [
  ['doctor', '--json'],
  ['doctor'],
  ['top', '--json'],
  ['bands', '--json'],
  ['replay', csv, '--max', '--topic', 'secrets.test'],
  ['stream', '--topic', 'secrets.test'],
  ['batch', csv],
  ['batch', csv, '--json'],
  ['download', '--date', '2003-03-01', '--to-s3', 's3://findoc-secrets/raw/', '--base-url', `http://${CLOSED}`],
];

describe('no secret in any output of the failure paths (issue 17 item 6)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const args of COMMANDS) {
    it(`findoc ${args.join(' ')}`, async () => {
      const r = await runCli(args, ENV, { timeoutMs: 45_000 });
      const out = r.stdout + r.stderr;
      assert.notEqual(r.code, 0, `expected a failure:\n${out}`);
      assert.ok(!/ENOTFOUND/.test(out), `the URLs must parse and point at ${CLOSED}:\n${out}`);
      for (const s of SECRETS) {
        for (const part of [s, enc(s), ...s.split(/[@/]/).filter((p) => p.length >= 4)]) {
          assert.ok(!out.includes(part), `"${part}" printed by findoc ${args.join(' ')}:\n${out}`);
        }
      }
    });
  }
});
