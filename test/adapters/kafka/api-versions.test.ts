/**
 * The broker version check (src/adapters/kafka/api-versions.ts), without a broker: a crafted ApiVersions v3
 * response decoded field by field, and the check that names the broker, the API, the version findoc needs
 * and the versions offered. test/integration-services/kafka.test.ts runs the same check against the local
 * Kafka 4.x.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from '@platformatic/kafka';
import { checkApiVersions, offeredVersions, parseApiVersionsResponse, type ApiVersionRange } from '../../../src/adapters/kafka/api-versions.js';
import { ERROR_CODES } from '../../../src/core/errors.js';

/** An ApiVersions v3 response body: error_code, compact array of (key, min, max, tags), throttle, tags. */
function response(errorCode: number, apis: ApiVersionRange[], taggedOnFirst = false): Buffer {
  const parts: number[] = [];
  const int16 = (v: number) => parts.push((v >> 8) & 0xff, v & 0xff);
  int16(errorCode);
  parts.push(apis.length + 1); // unsigned varint, < 128 here
  apis.forEach((a, i) => {
    int16(a.apiKey);
    int16(a.minVersion);
    int16(a.maxVersion);
    if (taggedOnFirst && i === 0) parts.push(1, 7, 2, 0xab, 0xcd); // one tagged field: tag 7, 2 bytes
    else parts.push(0);
  });
  parts.push(0, 0, 0, 0, 0); // throttle_time_ms, no tagged fields
  return Buffer.from(parts);
}

const NEEDED = [
  { apiKey: 0, name: 'Produce', version: 7 },
  { apiKey: 1, name: 'Fetch', version: 12 },
];
/** What Kafka 4.x offers for the three APIs findoc writes itself. */
const KAFKA_4 = [
  { apiKey: 0, minVersion: 3, maxVersion: 12 },
  { apiKey: 1, minVersion: 4, maxVersion: 17 },
  { apiKey: 18, minVersion: 0, maxVersion: 4 },
];

describe('ApiVersions: the broker offers the versions findoc sends', () => {
  it('decodes a v3 response, skipping tagged fields', () => {
    const got = parseApiVersionsResponse(0, 18, 3, Reader.from(response(0, KAFKA_4, true)));
    assert.deepEqual(got, { errorCode: 0, apis: KAFKA_4 });
  });

  it('a broker offering Produce v7 and Fetch v12 passes', () => {
    assert.equal(checkApiVersions('127.0.0.1:9092', { errorCode: 0, apis: KAFKA_4 }, NEEDED), null);
    // At the edges of the ranges.
    const edges = [
      { apiKey: 0, minVersion: 7, maxVersion: 7 },
      { apiKey: 1, minVersion: 12, maxVersion: 12 },
    ];
    assert.equal(checkApiVersions('b:9092', { errorCode: 0, apis: edges }, NEEDED), null);
  });

  it('a broker without Fetch v12 fails with exit 69, naming the broker, the API, the version needed and those offered', () => {
    const old = [
      { apiKey: 0, minVersion: 0, maxVersion: 8 },
      { apiKey: 1, minVersion: 0, maxVersion: 11 },
    ];
    const e = checkApiVersions('kafka-1.example:9092', { errorCode: 0, apis: old }, NEEDED);
    assert.ok(e);
    assert.equal(e.exitCode, ERROR_CODES.FINDOC_SERVICE_UNAVAILABLE);
    assert.equal(e.exitCode, 69);
    assert.equal(e.details.service, 'Kafka');
    assert.equal(e.details.address, 'kafka-1.example:9092');
    assert.match(e.message, /^Kafka at kafka-1\.example:9092 does not offer Fetch v12 \(API key 1; the broker offers v0–v11\)/);
    assert.doesNotMatch(e.message, /Produce/, 'only what is missing is named');
  });

  it('a broker that removed old versions, or lacks an API, is named the same way', () => {
    const future = [{ apiKey: 0, minVersion: 8, maxVersion: 20 }];
    const e = checkApiVersions('b:9092', { errorCode: 0, apis: future }, NEEDED);
    assert.match(e!.message, /Produce v7 \(API key 0; the broker offers v8–v20\), Fetch v12 \(API key 1; the broker offers none\)/);
    assert.equal(offeredVersions([{ apiKey: 5, minVersion: 2, maxVersion: 2 }], 5), 'v2');
  });

  it('an ApiVersions error is reported with its name', () => {
    const e = checkApiVersions('b:9092', { errorCode: 35, apis: [] }, NEEDED);
    assert.equal(e!.exitCode, 69);
    assert.match(e!.message, /refused ApiVersions v3 \(UNSUPPORTED_VERSION\)/);
  });
});
