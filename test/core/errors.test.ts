import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, FindocError, serviceUnavailable } from '../../src/core/errors.js';

describe('errors map to sysexits codes', () => {
  it('has one exit code per error code', () => {
    assert.deepEqual(ERROR_CODES, {
      FINDOC_NOT_FOUND: 1,
      FINDOC_USAGE: 64,
      FINDOC_BAD_INPUT: 65,
      FINDOC_SERVICE_UNAVAILABLE: 69,
      FINDOC_INTERNAL: 70,
      FINDOC_TEMPORARY: 75,
      FINDOC_CONFIG: 78,
      FINDOC_INTERRUPTED: 130,
      FINDOC_BROKEN_PIPE: 141,
    });
  });

  it("the README's table of exit codes is the list in errors.ts, row for row", async () => {
    const { readFileSync } = await import('node:fs');
    const { EXIT_CODE_MEANINGS } = await import('../../src/core/errors.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- exit-codes:begin -->\n([\s\S]*?)<!-- exit-codes:end -->/.exec(readme);
    assert.ok(table, 'README.md has the exit-codes table between its markers');
    const rows = table[1].split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => {
      const [, code, meaning] = /^\| (\d+) \| (.*) \|$/.exec(l)!;
      return { code: Number(code), meaning: meaning.replaceAll('\\|', '|') };
    });
    assert.deepEqual(rows, EXIT_CODE_MEANINGS.map(({ code, meaning }) => ({ code, meaning })));
    // Every code findoc can exit with is in the list, once.
    assert.deepEqual(rows.map((r) => r.code).sort((a, b) => a - b), [0, ...Object.values(ERROR_CODES)].sort((a, b) => a - b));
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

describe('outcome codes (interrupted, not found)', () => {
  it('Ctrl-C is FINDOC_INTERRUPTED → 130 and an empty lookup FINDOC_NOT_FOUND → 1, both told plainly by the CLI', async () => {
    const { interrupted, notFound, OUTCOME_CODES, ERROR_CODES } = await import('../../src/core/errors.js');
    const i = interrupted('interrupted: nothing was written');
    assert.equal(i.code, 'FINDOC_INTERRUPTED');
    assert.equal(i.exitCode, 130); // 128 + SIGINT(2), as shells report it
    const n = notFound('no company "x" among 3 stored');
    assert.equal(n.exitCode, 1);
    assert.deepEqual([...OUTCOME_CODES].sort(), ['FINDOC_BROKEN_PIPE', 'FINDOC_INTERRUPTED', 'FINDOC_NOT_FOUND']);
    // Every exit code is distinct, so the exit code alone names the kind of ending.
    const codes = Object.values(ERROR_CODES);
    assert.equal(new Set(codes).size, codes.length);
  });
});
