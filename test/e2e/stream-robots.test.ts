/**
 * Until the stream keeps the robots classifier's per-(day, IP) state in Redis (issue 14, live part), a
 * live "robots" filter would store unfiltered counts under a robots name that bands trust: it is refused
 * before any service is touched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('findoc stream refuses the robots filter it cannot apply live', () => {
  for (const spec of ['robots', 'robots,crawlers', 'errors+robots']) {
    it(`--filter ${spec} exits 64, names the filter and points at batch, and touches no service`, async () => {
      // Closed ports: had the command got as far as connecting, it would exit 69, not 64.
      const r = await runCli(['--redis-url', 'redis://127.0.0.1:9', '--brokers', '127.0.0.1:9', 'stream', '--filter', spec]);
      assert.equal(r.code, 64, r.stderr);
      assert.match(r.stderr, /stream cannot apply the robots filter yet \(asked: --filter [a-z+]*robots\(drt\)/);
      assert.match(r.stderr, /findoc batch --filter robots/);
    });
  }
});
