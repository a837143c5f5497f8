/**
 * Live sessions per partition (core/live-sessions.ts) against the file sessionizer (core/sessions.ts) on
 * the real 2003-03-01: rows split into 4 partitions by ip, as Kafka keys them; each partition's state goes
 * through "Redis" (its drained changes applied to a plain map, then loaded into a fresh instance) at seeded
 * random points, as a restart or a handover does. The ended plus the open sessions must be the file's
 * sessions, as a set, and every visit must be in exactly one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLOCK_FIELD, PartitionSessions } from '../../src/core/live-sessions.js';
import { ipKey, ipOfKey } from '../../src/core/robots.js';
import { Sessionizer, formatDateTime, sessionLine } from '../../src/core/sessions.js';
import { REAL } from '../helpers/edgar-days.js';
import { testRandom } from '../helpers/seed.js';

const lineOf = (ip: string, first: number, last: number, count: number) => `${ip},${formatDateTime(first)},${formatDateTime(last)},${last - first + 1},${count}`;

describe('live sessions per partition = file sessions', () => {
  it('real 2003-03-01, 4 partitions, state reloaded at random points: the same sessions', (t) => {
    const rnd = testRandom();
    t.diagnostic(`seed ${rnd.seed}`);
    const rows = readFileSync(join(REAL, 'log20030301.csv'), 'latin1').split('\n').slice(1).filter(Boolean).map((l) => {
      const f = l.split(',');
      return { ip: f[0], second: Date.parse(`${f[1]}T${f[2]}Z`) / 1000 };
    });
    for (const inactivity of [2, 30, 1800]) {
      const expected: string[] = [];
      const file = new Sessionizer(inactivity, 'expiry', (s) => expected.push(sessionLine(s)));
      for (const r of rows) file.add(r.ip, r.second);
      file.end();

      const stored = [0, 1, 2, 3].map(() => new Map<string, string>());
      let live = [0, 1, 2, 3].map(() => new PartitionSessions(inactivity));
      const got: string[] = [];
      const sync = (p: number) => {
        const { changes, ended } = live[p].drain();
        for (const c of changes) c.value === null ? stored[p].delete(c.field) : stored[p].set(c.field, c.value);
        for (const e of ended) got.push(lineOf(ipOfKey(e.key), e.first, e.last, e.count));
      };
      rows.forEach((r, i) => {
        const key = ipKey(r.ip);
        const p = key % 4;
        live[p].visit(key, r.second, i);
        if (rnd.random() < 0.002) {
          // A restart: write what changed, then start over from the stored state.
          for (let q = 0; q < 4; q++) sync(q);
          live = stored.map((m) => {
            const s = new PartitionSessions(inactivity);
            s.load([...m].flat());
            return s;
          });
        }
      });
      for (let q = 0; q < 4; q++) sync(q);
      for (const m of stored) {
        for (const [field, value] of m) {
          if (field === CLOCK_FIELD) continue;
          const [first, last, count] = value.split(',').map(Number);
          got.push(lineOf(ipOfKey(Number(field)), first, last, count));
        }
      }
      assert.equal(got.length, expected.length, `inactivity ${inactivity}: as many sessions`);
      assert.deepEqual([...got].sort(), [...expected].sort(), `inactivity ${inactivity}: the same sessions`);
      assert.equal(got.reduce((n, l) => n + Number(l.split(',').at(-1)), 0), rows.length, 'every visit once');
    }
  });

  it('a gap of exactly the inactivity continues the session; one second more starts a new one, ended with its cause record', () => {
    const s = new PartitionSessions(10);
    s.visit(1, 100, 0);
    s.visit(1, 110, 1); // gap 10: same session
    s.visit(2, 121, 2); // the clock at 121 ends ip 1 (last 110 + 10 < 121)
    const { ended, changes } = s.drain();
    assert.deepEqual(ended, [{ key: 1, first: 100, last: 110, count: 2, cause: 2 }]);
    assert.deepEqual(changes.find((c) => c.field === '1'), { field: '1', value: null });
    assert.deepEqual(changes.find((c) => c.field === '2'), { field: '2', value: '121,121,1' });
    assert.deepEqual(changes.find((c) => c.field === CLOCK_FIELD), { field: CLOCK_FIELD, value: '121' });
  });
});
