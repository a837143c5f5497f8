import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostPort, redactText, redactUrl } from '../../src/core/redact.js';

describe('redaction keeps addresses and drops secrets', () => {
  it('removes user and password from URLs', () => {
    assert.equal(redactUrl('postgres://alice:s3cret@db.example.com:5432/findoc'), 'postgres://***@db.example.com:5432/findoc');
    assert.equal(redactUrl('rediss://:hunter2@cache:6380/0'), 'rediss://***@cache:6380/0');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });

  it('redacts every URL inside a longer message', () => {
    const text = 'failed: postgres://a:b@h1/db and redis://:pw@h2:6379, giving up';
    const out = redactText(text);
    assert.ok(!out.includes('pw') && !out.includes('a:b'), out);
    assert.equal(out, 'failed: postgres://***@h1/db and redis://***@h2:6379, giving up');
  });

  it('hostPort names the address tried, with the default port', () => {
    assert.equal(hostPort('postgres://alice:s3cret@db:5433/x', 5432), 'db:5433');
    assert.equal(hostPort('postgres://alice@db/x', 5432), 'db:5432');
    assert.equal(hostPort('redis://:pw@127.0.0.1', 6379), '127.0.0.1:6379');
  });
});

describe('redaction of passwords that hold URL delimiters (issue 17 item 6)', () => {
  it('a password holding "@" is dropped whole', () => {
    const out = redactText('postgres://u:p@ss@h/db');
    assert.equal(out, 'postgres://***@h/db');
    assert.ok(!out.includes('ss'), out);
  });

  it('a password holding "/" is dropped whole', () => {
    const out = redactText('failed: postgres://u:pa/ss@h:5432/db (ECONNREFUSED)');
    assert.equal(out, 'failed: postgres://***@h:5432/db (ECONNREFUSED)');
  });

  it('a ?password= query parameter is dropped, other parameters stay', () => {
    assert.equal(redactText('postgres://h/db?password=hunter2&sslmode=require'), 'postgres://h/db?password=***&sslmode=require');
    assert.equal(redactText('redis://h:6379/0?user=a&password=hunter2'), 'redis://h:6379/0?user=a&password=***');
    assert.equal(redactText('host=h password=hunter2 dbname=x'), 'host=h password=*** dbname=x');
  });

  it('two URLs in one message are redacted separately', () => {
    const out = redactText('pg postgres://a:x@y@h1/db, redis redis://:p/w@h2:6379 done');
    assert.equal(out, 'pg postgres://***@h1/db, redis redis://***@h2:6379 done');
  });

  it('a URL without credentials is unchanged', () => {
    assert.equal(redactText('see https://www.sec.gov/files/company_tickers.json now'), 'see https://www.sec.gov/files/company_tickers.json now');
  });
});
