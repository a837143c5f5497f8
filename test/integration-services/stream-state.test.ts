/**
 * The stream's Redis state (src/adapters/stream-state.ts and its Lua scripts) against the real server:
 * exactly-once applies, expiry by event time, window sums, reset. Own key prefix per test, deleted after.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis.js';
import { CIK_HORIZON_SECONDS, StreamState, namespaceKeys } from '../../src/adapters/stream-state.js';
import { FindocError } from '../../src/core/errors.js';
import { filterOf } from '../../src/core/filter.js';
import { aggregate, recordSet, type ParsedBatch } from '../../src/core/stream-delta.js';
import { formatDay, formatTime } from '../../src/core/visit.js';
import { WRITE_PARTS } from '../../src/stream/features/index.js';
import { parseRecords, trimBatch } from '../../src/stream/parse.js';
import { memberCik } from '../../src/core/windows.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const config = stackConfig();
const T0 = Date.UTC(2017, 5, 30, 12, 0, 0) / 1000;
const DAY = 86_400;
const opened: Redis[] = [];
const prefixes: string[] = [];

async function namespace(): Promise<StreamState> {
  const redis = await connectRedis(config.redis.url);
  opened.push(redis);
  const prefix = `${uniqueName('it-state')}:`;
  prefixes.push(prefix);
  return new StreamState(redis, prefix, { trim: trimBatch, parts: WRITE_PARTS });
}

/**
 * A parsed batch of one partition: each visit as (second, cik), offsets from `first`, following the
 * offset before (as a consumer reading on from there would), or nothing for a partition's first batch.
 */
function batch(partition: number, first: number, visits: [second: number, cik: number][], extra: string[] = [], follows: number | null = first > 0 ? first - 1 : null): ParsedBatch {
  const rows = visits.map(([s, cik], i) => `10.0.${i % 250}.abc,${formatDay(s)},${formatTime(s)},0.0,${cik}.0,0001-17-1,-index.htm,200.0,1.0,1.0,0.0,0.0,9.0,0.0,`);
  const values = [...rows, ...extra];
  return parseRecords(
    recordSet(values.map((value, i) => ({ offset: first + i, value }))),
    { topic: 'visits', partition, follows, filter: filterOf([]), nowSecond: T0 + 30 * DAY, maxFutureSeconds: 3600 },
  );
}

const repeat = (n: number, second: number, cik: number): [number, number][] => Array.from({ length: n }, () => [second, cik]);

after(async () => {
  for (const r of opened) {
    for (const p of prefixes) await new StreamState(r, p).reset();
    r.disconnect();
  }
});

describe('stream state in Redis', () => {
  it('a redelivered batch changes nothing; a partly applied one counts only its new records', async () => {
    const st = await namespace();
    const a = batch(0, 0, [...repeat(3, T0, 7), ...repeat(2, T0 + 1, 8)]);
    const b = batch(1, 100, repeat(4, T0 + 1, 7), [], null);
    let r = await st.applyBatches([a, b], 'all', DAY);
    assert.deepEqual([r.visits, r.duplicates, r.calls], [9, 0, 1]);
    // The same batches again (a consumer restarted before Kafka's commit): nothing new.
    r = await st.applyBatches([a, b], 'all', DAY);
    assert.deepEqual([r.visits, r.duplicates, r.calls], [0, 9, 3]);
    // Partition 0 again from offset 3 (a consumer that started there), with two more records: only offsets
    // 5 and 6 are new.
    const c = batch(0, 3, [...repeat(2, T0 + 1, 8), [T0 + 2, 9], [T0 + 2, 7]]);
    r = await st.applyBatches([c], 'all', DAY);
    assert.deepEqual([r.visits, r.duplicates], [2, 2]);
    assert.deepEqual(await st.readOffsets('visits'), [{ partition: 0, offset: 6 }, { partition: 1, offset: 103 }]);
    const top = await st.readTop('all', 10);
    assert.deepEqual(top.entries, [{ cik: 7, visits: 8 }, { cik: 8, visits: 2 }, { cik: 9, visits: 1 }]);
    const vps = await st.readVisitsPerSecond(T0 - 1, T0 + 3);
    assert.deepEqual(vps.counts, [0, 3, 6, 2, 0]);
    const p = await st.readProgress();
    assert.deepEqual([p.records, p.visits, p.rejected, p.late, p.latestSecond], [11, 11, 0, 0, T0 + 2]);
  });

  it('a write applies only where the state holds exactly the offset it follows, so two in flight stay exact', async () => {
    const st = await namespace();
    await st.applyBatches([batch(0, 0, repeat(2, T0, 1))], 'all', DAY); // offsets 0–1
    // Another process applied 2–3 meanwhile; this one sends 2–5 and then 6–7 without waiting.
    await st.applyBatches([batch(0, 2, repeat(2, T0, 2))], 'all', DAY);
    const first = batch(0, 2, [...repeat(2, T0, 2), ...repeat(2, T0, 3)]);
    const second = batch(0, 6, repeat(2, T0, 4));
    const sent1 = st.send([first], aggregate([first]), 'all', DAY);
    const sent2 = st.send([second], aggregate([second]), 'all', DAY);
    assert.equal((await sent2.result)?.applied, false, 'refused: the state does not hold offset 5 yet');
    const r1 = await st.settle(sent1, 'all', DAY);
    const r2 = await st.settle(sent2, 'all', DAY);
    assert.deepEqual([r1.visits, r1.duplicates, r2.visits, r2.duplicates], [2, 2, 2, 0]);
    assert.deepEqual((await st.readTop('all', 10)).entries, [1, 2, 3, 4].map((cik) => ({ cik, visits: 2 })));
    assert.deepEqual(await st.readOffsets('visits'), [{ partition: 0, offset: 7 }]);
  });

  it('late visits count in the all-time totals only; per-second keys leave by event time', async () => {
    const st = await namespace();
    const retention = 7200;
    await st.applyBatches([batch(0, 0, [[T0, 1], [T0 + 10, 2]])], 'all', retention);
    const keys = st.keys;
    assert.equal(await st.redis.exists(`${keys.base}sec:${T0}`), 1);
    // An hour and a bit later: T0's per-CIK set is beyond the longest window, T0 − 2h is beyond the retention.
    const later = T0 + CIK_HORIZON_SECONDS + 5;
    await st.applyBatches([batch(0, 2, [[later, 3], [T0 - retention, 4], [T0 + 3, 5]])], 'all', retention);
    const p = await st.readProgress();
    assert.deepEqual([p.visits, p.late, p.latestSecond], [5, 1, later]);
    assert.equal(await st.redis.exists(`${keys.base}sec:${T0}`), 0, 'CIK list of T0 dropped');
    assert.equal(await st.redis.exists(`${keys.base}sec:${T0 + 3}`), 0, 'a second older than the horizon gets no CIK list');
    assert.deepEqual(await st.redis.zrange(keys.secIndex, 0, -1), [String(T0 + 10), String(later)]);
    // T0 + 3 is within the retention: counted per second. T0 − 2h is late: all-time only.
    const vps = await st.readVisitsPerSecond(T0, T0 + 20);
    assert.deepEqual([vps.counts[0], vps.counts[3], vps.counts[10]], [1, 1, 1]);
    assert.equal(vps.retainedFrom, later - retention + 1);
    assert.deepEqual((await st.readTop('all', 10)).entries.map((e) => e.cik), [1, 2, 3, 4, 5]);
    // Keys carry a TTL: the event time they have left plus one horizon.
    const ttl = await st.redis.ttl(`${keys.base}sec:${later}`);
    assert.ok(ttl > CIK_HORIZON_SECONDS && ttl <= 2 * CIK_HORIZON_SECONDS, `ttl ${ttl}`);
    // A day later every minute hash of T0's hour is gone too.
    await st.applyBatches([batch(0, 5, [[T0 + DAY, 6]])], 'all', retention);
    assert.deepEqual(await st.redis.zrange(keys.vpsIndex, 0, -1), [String(T0 + DAY - ((T0 + DAY) % 60))]);
    assert.deepEqual((await st.readVisitsPerSecond(T0, T0 + 20)).counts.filter((n) => n > 0), []);
  });

  it('window sums forget a second exactly when it leaves the window (10s, 1m, 5m, 1h)', async () => {
    for (const [window, width] of [['10s', 10], ['1m', 60], ['5m', 300], ['1h', 3600]] as const) {
      const st = await namespace();
      let offset = 0;
      const add = async (visits: [number, number][]) => {
        await st.applyBatches([batch(0, offset, visits)], 'all', DAY);
        offset += visits.length;
      };
      await add([...repeat(3, T0, 111), ...repeat(2, T0 + 1, 222)]);
      // Latest = T0 + width − 1: T0 is the window's oldest second.
      await add([[T0 + width - 1, 333]]);
      let top = await st.readTop(window, 10);
      assert.equal(top.asOf, T0 + width - 1);
      assert.deepEqual(top.entries, [{ cik: 111, visits: 3 }, { cik: 222, visits: 2 }, { cik: 333, visits: 1 }], window);
      // One second later T0 is out, T0 + 1 still in.
      await add([[T0 + width, 333]]);
      top = await st.readTop(window, 10);
      assert.deepEqual(top.entries, [{ cik: 222, visits: 2 }, { cik: 333, visits: 2 }], window);
      assert.deepEqual([...(await st.readWindowVisits(window, [111, 222, 444]))], [[111, 0], [222, 2], [444, 0]]);
      // The window ending one second earlier still has T0 — except for 1 h: per-CIK counts are kept for
      // the last hour only, and the read says so. The all-time counts never forget.
      const earlier = await st.readTop(window, 1, { end: T0 + width - 1 });
      if (window === '1h') assert.equal(earlier.complete, false);
      else assert.deepEqual(earlier.entries, [{ cik: 111, visits: 3 }], window);
      assert.deepEqual((await st.readTop('all', 1)).entries, [{ cik: 111, visits: 3 }]);
    }
  });

  it('ties at the cut break by the smaller CIK, also among thousands of equal counts', async () => {
    const st = await namespace();
    const visits: [number, number][] = [];
    for (let c = 5000; c >= 1; c--) visits.push([T0 + (c % 7), c * 13]);
    visits.push([T0, 65_001], [T0 + 1, 65_001], [T0 + 2, 50], [T0 + 3, 50]);
    await st.applyBatches([batch(0, 0, visits)], 'all', DAY);
    for (const w of ['10s', 'all'] as const) {
      const top = await st.readTop(w, 4);
      assert.deepEqual(top.entries, [{ cik: 50, visits: 2 }, { cik: 65_001, visits: 2 }, { cik: 13, visits: 1 }, { cik: 26, visits: 1 }], w);
    }
  });

  it('the all-time ranking stays exact when its tracked head is pruned (any length, any CIK)', async () => {
    const redis = await connectRedis(config.redis.url);
    opened.push(redis);
    const prefix = `${uniqueName('it-state')}:`;
    prefixes.push(prefix);
    const st = new StreamState(redis, prefix, { allTimeTracked: 3, trim: trimBatch, parts: WRITE_PARTS });
    const want = new Map<number, number>();
    let offset = 0;
    // Ten writes; CIK c gets c visits in all, spread so that counts climb past the rising floor.
    for (let w = 0; w < 10; w++) {
      const visits: [number, number][] = [];
      for (let c = 1; c <= 12; c++) {
        const n = Math.floor((c * (w + 1)) / 10) - Math.floor((c * w) / 10);
        for (let j = 0; j < n; j++) visits.push([T0 + w, c]);
        want.set(c, (want.get(c) ?? 0) + n);
      }
      if (visits.length === 0) continue;
      await st.applyBatches([batch(0, offset, visits)], 'all', DAY);
      offset += visits.length;
    }
    const floor = Number(await redis.hget(st.keys.totals, 'all-floor'));
    assert.ok(floor > 1, `the floor rose (${floor})`);
    const head = await redis.zrange(st.keys.allTime, 0, -1, 'WITHSCORES');
    assert.ok(head.length / 2 <= 6, `pruned to at most 2K members (${head.length / 2})`);
    for (let i = 0; i < head.length; i += 2) assert.equal(Number(head[i + 1]), want.get(memberCik(head[i])));
    const ranking = [...want].map(([cik, visits]) => ({ cik, visits })).sort((a, b) => b.visits - a.visits || a.cik - b.cik);
    assert.deepEqual((await st.readTop('all', 3)).entries, ranking.slice(0, 3));
    assert.deepEqual((await st.readTop('all', 12)).entries, ranking, 'longer than the head: from the hash');
    assert.deepEqual([...(await st.readWindowVisits('all', [1, 12, 99]))], [[1, 1], [12, 12], [99, 0]]);
  });

  it('an empty namespace reads as empty; a window beyond the per-CIK horizon says it is incomplete', async () => {
    const st = await namespace();
    assert.deepEqual(await st.readTop('10s', 10), { window: '10s', asOf: null, end: null, entries: [], complete: true });
    assert.equal((await st.readProgress()).latestSecond, null);
    assert.deepEqual((await st.readVisitsPerSecond(T0, T0 + 2)).counts, [0, 0, 0]);
    await st.applyBatches([batch(0, 0, [[T0, 1]])], 'all', DAY);
    assert.equal((await st.readTop('1h', 10)).complete, true);
    assert.equal((await st.readTop('1h', 10, { end: T0 - 3600 })).complete, false);
  });

  it('a namespace refuses another filter (exit 78), in prepare and in the script itself', async () => {
    const st = await namespace();
    await st.prepare('crawlers', DAY);
    await st.applyBatches([batch(0, 0, [[T0, 1]])], 'crawlers', DAY);
    await assert.rejects(st.prepare('all', DAY), (e: unknown) => e instanceof FindocError && e.exitCode === 78 && /"crawlers", not "all"/.test(e.message));
    await assert.rejects(st.applyBatches([batch(0, 1, [[T0, 1]])], 'all', DAY), (e: unknown) => e instanceof FindocError && e.exitCode === 78);
    assert.equal((await st.readProgress()).visits, 1);
  });

  it('rejects are counted per reason with samples naming partition and offset', async () => {
    const st = await namespace();
    await st.applyBatches([batch(2, 40, [[T0, 1]], ['not,a,row', ''], null)], 'all', DAY);
    const p = await st.readProgress();
    assert.deepEqual(p.rejects, { field_count: 1, empty_record: 1 });
    assert.equal(p.rejected, 2);
    assert.deepEqual(p.samples.map((s) => [s.partition, s.offset, s.reason]).sort(), [[2, 41, 'field_count'], [2, 42, 'empty_record']]);
    assert.deepEqual(p.partitions.map((x) => [x.topic, x.partition, x.offset]), [['visits', 2, 42]]);
    // The ingest rate counts the last 10 complete wall seconds of Redis's clock: once the second of the
    // write is complete, its one visit is 1/10 visit/s.
    const [applied] = await st.redis.time();
    while (Number((await st.redis.time())[0]) <= Number(applied)) await new Promise((r) => setTimeout(r, 50));
    const later = await st.readProgress();
    assert.deepEqual([later.ingest.rateSeconds, later.ingest.visitsPerSecond], [10, 0.1]);
  });

  it('reset deletes this namespace\'s keys only, also next to a longer prefix', async () => {
    const a = await namespace();
    const redis = a.redis;
    const longer = new StreamState(redis, `${a.keys.prefix}more:`, { trim: trimBatch, parts: WRITE_PARTS });
    prefixes.push(longer.keys.prefix);
    await a.applyBatches([batch(0, 0, [[T0, 1], [T0 + 1, 2]])], 'all', DAY);
    await longer.applyBatches([batch(0, 0, [[T0, 1]])], 'all', DAY);
    const before = (await redis.keys(`${longer.keys.base}*`)).sort();
    const r = await a.reset();
    assert.ok(r.deleted >= 10, `deleted ${r.deleted}`);
    assert.deepEqual([r.byKind.sec, r.byKind.vps], [2, 1]);
    assert.deepEqual(await redis.keys(`${a.keys.base}*`), []);
    assert.deepEqual((await redis.keys(`${longer.keys.base}*`)).sort(), before);
    assert.equal((await longer.readProgress()).visits, 1);
  });

  it('keys share one hash tag per namespace; prefixes that would break it are refused', () => {
    const k = namespaceKeys('findoc:');
    assert.equal(k.base, 'findoc:{findoc}:');
    for (const key of Object.values(k).filter((v) => v !== 'findoc:')) assert.match(key, /^findoc:\{findoc\}:/);
    for (const bad of ['', ':', 'a{b}:', 'a*:', 'a b:', 'a[1]:']) assert.throws(() => namespaceKeys(bad), (e: unknown) => e instanceof FindocError && e.exitCode === 64);
  });
});
