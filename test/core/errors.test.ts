import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, FindocError, serviceUnavailable } from '../../src/core/errors.js';

describe('errors map to sysexits codes', () => {
  it('has one exit code per error code', () => {
    assert.deepEqual(ERROR_CODES, {
      FINDOC_USAGE: 64,
      FINDOC_BAD_INPUT: 65,
      FINDOC_SERVICE_UNAVAILABLE: 69,
      FINDOC_INTERNAL: 70,
      FINDOC_TEMPORARY: 75,
      FINDOC_CONFIG: 78,
    });
  });

  it('a service-unavailable error names the service, the address and the setting, and keeps its cause', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    const e = serviceUnavailable('Kafka', '127.0.0.1:9092', 'KAFKA_BROKERS or --brokers', cause);
    assert.ok(e instanceof FindocError);
    assert.equal(e.exitCode, 69);
    assert.match(e.message, /Kafka at 127\.0\.0\.1:9092 is unavailable \(connect ECONNREFUSED/);
    assert.match(e.details.hint ?? '', /KAFKA_BROKERS/);
    assert.equal(e.cause, cause);
    assert.deepEqual(Object.keys(e.toJSON()).sort(), ['address', 'code', 'hint', 'message', 'service', 'setting']);
  });
});
