/**
 * Bad robots input on stream is refused before any service is touched: the day mode (it needs the whole
 * day), an unknown preset, a malformed spec.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

// Closed ports: had the command got as far as connecting, it would exit 69, not 64.
const offline = ['--redis-url', 'redis://127.0.0.1:9', '--brokers', '127.0.0.1:9', 'stream'];

describe('findoc stream refuses robots settings it cannot apply', () => {
  it('--robots-mode day exits 64, says the stream is causal only and points at batch', async () => {
    const r = await runCli([...offline, '--filter', 'robots', '--robots-mode', 'day']);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /only the causal robots mode/);
    assert.match(r.stderr, /findoc batch --robots-mode day/);
  });
  for (const [rule, words] of [
    ['nope', /unknown robots preset "nope"/],
    ['minute-requests=x', /"minute-requests=x" is not LIMIT=N/],
    ['day-ciks=5,day-ciks=6', /day-ciks given twice/],
  ] as const) {
    it(`--robots ${rule} exits 64 and names the accepted forms`, async () => {
      const r = await runCli([...offline, '--robots', rule]);
      assert.equal(r.code, 64, r.stderr);
      assert.match(r.stderr, words);
      assert.match(r.stderr, /a preset \(drt, lm, ryans\) or a spec like minute-requests=5/);
    });
  }
});
