/** What is retried and how long the wait is (src/core/retry.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY, backoffMs, classifyStatus, isRetryableError, parseRetryAfter, type RetryPolicy } from '../../src/core/retry.js';

const policy: RetryPolicy = { attempts: 5, baseMs: 1000, capMs: 8000, retryAfterCapMs: 60_000 };

describe('retry table', () => {
  it('classifies HTTP statuses: 2xx ok, 404/410 missing, 408/425/429/5xx retry, other 4xx refused', () => {
    const table: [number, string][] = [
      [200, 'ok'],
      [206, 'ok'],
      [301, 'redirect'],
      [302, 'redirect'],
      [307, 'redirect'],
      [308, 'redirect'],
      [304, 'refused'],
      [404, 'missing'],
      [410, 'missing'],
      [408, 'retry'],
      [425, 'retry'],
      [429, 'retry'],
      [500, 'retry'],
      [502, 'retry'],
      [503, 'retry'],
      [504, 'retry'],
      [599, 'retry'],
      [400, 'refused'],
      [401, 'refused'],
      [403, 'refused'],
      [416, 'refused'],
    ];
    for (const [status, verdict] of table) assert.equal(classifyStatus(status), verdict, String(status));
  });

  it('retries network failures (resets, refusals, timeouts, temporary DNS), not other errors', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE', 'ENETUNREACH', 'EHOSTUNREACH']) {
      assert.equal(isRetryableError(Object.assign(new Error('x'), { code })), true, code);
    }
    for (const e of [new Error('plain'), Object.assign(new Error('x'), { code: 'FINDOC_BAD_INPUT' }), null, 'text']) {
      assert.equal(isRetryableError(e), false, String(e));
    }
  });
});

describe('backoff', () => {
  it('is full jitter: uniform in [0, min(cap, base × 2^(n−1)))', () => {
    assert.equal(backoffMs(1, policy, undefined, () => 0), 0);
    assert.equal(backoffMs(1, policy, undefined, () => 0.5), 500);
    assert.equal(backoffMs(2, policy, undefined, () => 0.5), 1000);
    assert.equal(backoffMs(3, policy, undefined, () => 0.999), 3996);
    assert.equal(backoffMs(4, policy, undefined, () => 0.999), 7992);
    assert.equal(backoffMs(10, policy, undefined, () => 0.999), 7992, 'capped');
  });

  it('spreads concurrent retries: with Math.random the waits differ and stay within bounds', () => {
    const waits = Array.from({ length: 200 }, () => backoffMs(3, policy));
    assert.ok(waits.every((w) => w >= 0 && w < 4000));
    assert.ok(new Set(waits).size > 100, 'jitter spreads the waits');
  });

  it('honours Retry-After as a minimum, capped', () => {
    assert.equal(backoffMs(1, policy, 5000, () => 0.1), 5000);
    assert.equal(backoffMs(4, policy, 100, () => 0.999), 7992, 'a short Retry-After does not shorten the backoff');
    assert.equal(backoffMs(1, policy, 3_600_000, () => 0), 60_000, 'an hour is capped');
  });

  it('the default policy is bounded: 5 attempts, waits under 30 s, Retry-After under 2 min', () => {
    assert.equal(DEFAULT_RETRY.attempts, 5);
    assert.ok(backoffMs(99, DEFAULT_RETRY, undefined, () => 0.9999) < 30_000);
    assert.equal(backoffMs(1, DEFAULT_RETRY, 1e9, () => 0), 120_000);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2017-06-30T12:00:00Z');
  it('parses delta-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Fri, 30 Jun 2017 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Fri, 30 Jun 2017 11:00:00 GMT', now), 0, 'a date in the past means now');
  });

  it('ignores absent or malformed values', () => {
    for (const v of [undefined, '', '-5', '1.5', 'soon-ish', 'x']) assert.equal(parseRetryAfter(v, now), undefined, String(v));
  });
});
