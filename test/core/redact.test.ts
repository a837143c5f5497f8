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
