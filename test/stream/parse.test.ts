import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { filterOf, parseFilter } from '../../src/core/filter.js';
import { PACKED_CIK_BYTES, aggregate, countPackedCiks, packCik, recordSet, type ParseOptions, type RecordSet } from '../../src/core/stream-delta.js';
import { parseRecords, trimBatch } from '../../src/stream/parse.js';

const SAMPLE = join(import.meta.dirname, '../../../shared/data/edgar-samples/real/log20170630-first24999rows.csv');
const NOW = Date.UTC(2026, 0, 1) / 1000;
const opts = (partition = 0, extra: Partial<ParseOptions> = {}): ParseOptions => ({
  topic: 't',
  partition,
  filter: filterOf([]),
  nowSecond: NOW,
  maxFutureSeconds: 3600,
  follows: null,
  ...extra,
});
const records = (values: (string | null)[], first = 0): RecordSet => recordSet(values.map((value, i) => ({ offset: first + i, value })));

const ROW = (ip: string, time: string, cik: string, crawler = '0.0', date = '2017-06-30') =>
  `${ip},${date},${time},0.0,${cik},0001047469-17-004337,-index.htm,200.0,80251.0,1.0,0.0,0.0,9.0,${crawler},`;

/** Independent of the parser: plain string splitting and Date.UTC. */
function independentCounts(lines: string[]) {
  const perSecond = new Map<number, number>();
  const perPair = new Map<string, number>();
  const perCik = new Map<number, number>();
  let rejected = 0;
  for (const line of lines) {
    const f = line.split(',');
    if (!/^\d+(\.0+)?$/.test(f[4])) {
      rejected++;
      continue;
    }
    const [y, mo, d] = f[1].split('-').map(Number);
    const [h, mi, s] = f[2].split(':').map(Number);
    const second = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
    const cik = Number(f[4]);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    perPair.set(`${second}/${cik}`, (perPair.get(`${second}/${cik}`) ?? 0) + 1);
    perCik.set(cik, (perCik.get(cik) ?? 0) + 1);
  }
  return { perSecond, perPair, perCik, rejected };
}

describe('stream batches: parse and aggregate Kafka records', () => {
  it('counts per second, per (second, CIK) and per CIK equal an independent count of the real sample split over 4 partitions', () => {
    const lines = readFileSync(SAMPLE, 'utf8').split('\n').slice(1).filter(Boolean);
    // Like Kafka's key partitioning: the same ip always lands in the same partition.
    const parts: string[][] = [[], [], [], []];
    for (const l of lines) parts[[...l.split(',')[0]].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 4].push(l);
    const parsed = parts.map((p, i) => parseRecords(records(p, 100), opts(i)));
    const delta = aggregate(parsed);
    const want = independentCounts(lines);

    assert.equal(delta.records, lines.length);
    assert.equal(delta.visits, 24_997);
    assert.equal(delta.rejected, want.rejected);
    assert.deepEqual(delta.rejects, { bad_cik: 2 });
    assert.deepEqual(new Map(delta.seconds.map((s) => [s.second, s.visits])), want.perSecond);
    const pairs = new Map<string, number>();
    for (const s of delta.seconds) for (const [c, n] of countPackedCiks([s.ciks])) pairs.set(`${s.second}/${c}`, n);
    assert.deepEqual(pairs, want.perPair);
    assert.deepEqual(new Map(delta.ciks.map((c, i) => [c, delta.cikVisits[i]])), want.perCik);
    assert.equal(delta.maxSecond, Date.UTC(2017, 5, 30, 0, 1, 11) / 1000);
    assert.deepEqual(delta.ranges, parts.map((p, i) => ({ topic: 't', partition: i, follows: null, first: 100, last: 100 + p.length - 1 })));
    // Every reject sample names the record it came from.
    assert.equal(delta.samples.length, 2);
    for (const s of delta.samples) {
      assert.equal(s.reason, 'bad_cik');
      assert.equal(s.text, parts[s.partition][s.offset - 100]);
    }
    // Sorted as the apply script expects.
    assert.deepEqual(delta.seconds.map((s) => s.second), [...delta.seconds.map((s) => s.second)].sort((a, b) => a - b));
    for (const s of delta.seconds) assert.equal(s.ciks.length, s.visits * PACKED_CIK_BYTES);
  });

  it('odd records are rejected with a reason and their own offset, and never shift the records after them', () => {
    const future = new Date((NOW + 7200) * 1000).toISOString();
    const values = [
      ROW('1.1.1.aaa', '00:00:00', '1.0'), // 10: visit
      null, // 11: tombstone
      '', // 12: empty
      ROW('1.1.1.aaa', '00:00:01', '2.0') + '\n' + ROW('1.1.1.aab', '00:00:01', '3.0'), // 13: two rows in one value
      ROW('1.1.1.aaa', '00:00:02', '4.0'), // 14: visit
      'ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser', // 15: header
      ROW('1.1.1.aaa', future.slice(11, 19), '5.0', '0.0', future.slice(0, 10)), // 16: two hours ahead of "now"
      ROW('1.1.1.aaa', '00:00:03', '6.0'), // 17: visit
    ];
    const b = parseRecords(records(values, 10), opts(3, { lastOffset: 19 }));
    assert.equal(b.records, 8);
    assert.equal(b.visits, 3);
    assert.deepEqual([...b.cik], [1, 4, 6]);
    assert.deepEqual([...b.second], [0, 2, 3].map((s) => Date.UTC(2017, 5, 30, 0, 0, s) / 1000));
    assert.equal(b.rejected, 5);
    assert.deepEqual(b.rejects, { empty_record: 2, field_count: 1, repeated_header: 1, future_event: 1 });
    const at = new Map(b.samples.map((s) => [s.offset, s.reason]));
    assert.deepEqual(at, new Map<number, string>([[11, 'empty_record'], [12, 'empty_record'], [13, 'field_count'], [15, 'repeated_header'], [16, 'future_event']]));
    assert.equal(b.samples.find((s) => s.offset === 13)?.text.includes('\n'), false);
    // The batch ends at its control records, after the last record.
    assert.equal(b.firstOffset, 10);
    assert.equal(b.lastOffset, 19);
  });

  it('the crawler filter drops visits as "filtered", not rejected', () => {
    const values = [ROW('1.1.1.aaa', '00:00:00', '1.0', '1.0'), ROW('1.1.1.aaa', '00:00:00', '2.0'), ROW('1.1.1.aaa', '00:00:01', '3.0', '1.0')];
    const all = parseRecords(records(values), opts());
    const humans = parseRecords(records(values), opts(0, { filter: parseFilter(undefined, true) }));
    assert.deepEqual([all.visits, all.filtered, all.rejected], [3, 0, 0]);
    assert.deepEqual([humans.visits, humans.filtered, humans.rejected], [1, 2, 0]);
    assert.deepEqual([...humans.cik], [2]);
  });

  it('trimBatch keeps exactly the records after the stored offset, parsed as if they came alone and following it', () => {
    const values = [ROW('1.1.1.aaa', '00:00:00', '1.0'), 'garbage', ROW('1.1.1.aaa', '00:00:01', '2.0'), ROW('1.1.1.aaa', '00:00:02', '3.0')];
    const b = parseRecords(records(values, 50), opts(1, { lastOffset: 60, follows: 40 }));
    const whole = trimBatch(b, null)!;
    assert.deepEqual([whole.records, whole.follows, whole.firstOffset], [4, null, 50]);
    assert.deepEqual([trimBatch(b, 49)!.records, trimBatch(b, 49)!.follows], [4, 49]);
    const tail = trimBatch(b, 51)!;
    const direct = parseRecords(records(values.slice(2), 52), opts(1, { lastOffset: 60, follows: 51 }));
    assert.deepEqual({ ...tail, options: null, source: null }, { ...direct, options: null, source: null });
    assert.deepEqual([...tail.source.offsets], [52, 53]);
    assert.deepEqual([tail.firstOffset, tail.lastOffset, tail.follows], [52, 60, 51]);
    const afterGarbage = trimBatch(b, 50)!;
    assert.equal(afterGarbage.rejected, 1);
    assert.equal(afterGarbage.samples[0].offset, 51);
    assert.equal(trimBatch(b, 53), null);
  });

  it('trimBatch cuts the first parse (a row is parsed once) and gives what parsing the tail again gives, at every cut', () => {
    const future = ROW('1.1.1.ccc', '00:00:05', '7.0', '0.0', '2099-01-01');
    const crawler = ROW('1.1.1.ddd', '00:00:03', '8.0', '1.0');
    const few = [ROW('1.1.1.aaa', '00:00:00', '1.0'), 'garbage', null, crawler, ROW('1.1.1.aaa', '00:00:01', '2.0'), future, ROW('1.1.1.bbb', '00:00:02', '3.0')];
    // More rejects than samples kept: the cut falls back to parsing the tail again (samples need the rows).
    const many = [...few, ...Array.from({ length: 8 }, (_, i) => (i % 2 ? `bad ${i}` : ROW('1.1.1.eee', `00:00:1${i}`, String(10 + i))))];
    const crawlers = filterOf(['crawlers']);
    for (const [name, values] of [['few rejects', few], ['many rejects', many]] as const) {
      const b = parseRecords(records([...values], 100), opts(2, { lastOffset: 200, follows: 99, filter: crawlers }));
      for (let stored = 99; stored < 100 + values.length - 1; stored++) {
        const cut = trimBatch(b, stored)!;
        const k = stored - 99;
        const again = parseRecords(records(values.slice(k), 100 + k), opts(2, { lastOffset: 200, follows: stored, filter: crawlers }));
        assert.deepEqual({ ...cut, options: null, source: null }, { ...again, options: null, source: null }, `${name}, stored ${stored}`);
        // And a cut of a cut.
        const twice = trimBatch(cut, stored + 1);
        const again2 = stored + 1 < 99 + values.length ? parseRecords(records(values.slice(k + 1), 101 + k), opts(2, { lastOffset: 200, follows: stored + 1, filter: crawlers })) : null;
        assert.deepEqual(twice && { ...twice, options: null, source: null }, again2 && { ...again2, options: null, source: null }, `${name}, twice from ${stored}`);
      }
    }
  });

  it('batches of one partition that follow each other make one range; others are refused', () => {
    const a = parseRecords(records([ROW('1.1.1.aaa', '00:00:00', '1.0')], 0), opts(0, { follows: null }));
    const b = parseRecords(records([ROW('1.1.1.aaa', '00:00:01', '1.0')], 1), opts(0, { lastOffset: 4, follows: 0 }));
    const c = parseRecords(records([ROW('1.1.1.aaa', '00:00:01', '2.0')], 7), opts(2, { follows: 6 }));
    const d = aggregate([a, c, b]);
    assert.deepEqual(d.ranges, [
      { topic: 't', partition: 0, follows: null, first: 0, last: 4 },
      { topic: 't', partition: 2, follows: 6, first: 7, last: 7 },
    ]);
    assert.deepEqual(d.ciks, [1, 2]);
    assert.deepEqual(d.cikVisits, [2, 1]);
    assert.throws(() => aggregate([b, a]), /do not follow each other/);
    assert.throws(() => aggregate([a, a]), /do not follow each other/);
  });

  it('packed CIK lists hold any 10-digit CIK exactly, and count per CIK (optionally only some)', () => {
    const ciks = [0, 1, 255, 256, 4_294_967_295, 4_294_967_296, 1_608_552, 9_999_999_999, 1_608_552];
    const buf = Buffer.alloc(ciks.length * PACKED_CIK_BYTES);
    ciks.forEach((c, i) => packCik(buf, i * PACKED_CIK_BYTES, c));
    const counts = countPackedCiks([buf, null, buf.subarray(0, PACKED_CIK_BYTES)]);
    assert.deepEqual(counts, new Map([[0, 2], [1, 1], [255, 1], [256, 1], [4_294_967_295, 1], [4_294_967_296, 1], [1_608_552, 2], [9_999_999_999, 1]]));
    assert.deepEqual(countPackedCiks([buf], new Map([[7, 0]]), new Set([7, 1_608_552])), new Map([[7, 0], [1_608_552, 2]]));
  });

  it('a batch without visits still carries its offsets and counters', () => {
    const d = aggregate([parseRecords(records(['x', null], 5), opts())]);
    assert.deepEqual([d.records, d.visits, d.rejected, d.maxSecond, d.seconds.length, d.ciks.length], [2, 0, 2, null, 0, 0]);
    assert.deepEqual(d.ranges, [{ topic: 't', partition: 0, follows: null, first: 5, last: 6 }]);
  });
});

describe('stream batches with the robots filter', () => {
  const robotsFilter = parseFilter('robots', false, { rule: 'minute-requests=2' });
  // aaa: 5 visits in one minute, the 3rd crosses "more than 2" (offset 13); a bad row at offset 15.
  const rows = ['10.0.0.aaa', '10.0.0.aaa', '10.0.0.bbb', '10.0.0.aaa', '10.0.0.aaa', 'bad row', '10.0.0.aaa'].map((ip, i) =>
    ip === 'bad row' ? 'garbage' : ROW(ip, `00:00:0${i}`, String(100 + i)),
  );

  it('classifies visits in offset order, counts robot visits and new robot IPs, and takes the changed states', async () => {
    const { RobotClassifier, decodeIpState } = await import('../../src/core/robots.js');
    const classifier = new RobotClassifier(robotsFilter.robots!.rule, { trackChanges: true });
    const b = parseRecords(records(rows, 10), opts(0, { filter: robotsFilter, robots: classifier }));
    assert.deepEqual([b.records, b.visits, b.robots, b.robotIps, b.filtered, b.rejected], [7, 3, 3, 1, 3, 1]);
    assert.deepEqual([...b.robotSecond].map((s) => s % 60), [3, 4, 6]);
    assert.deepEqual([...b.robotVerdicts!], [0, 0, 0, 2, 1, 0, 1]);
    const states = new Map(b.robotStates.map((s) => [s.ip, decodeIpState(s.encoded)]));
    assert.deepEqual([...states.keys()].sort(), ['10.0.0.aaa', '10.0.0.bbb']);
    assert.equal(states.get('10.0.0.aaa')!.robot, true);
    assert.equal(states.get('10.0.0.aaa')!.robotVisits, 3);
    assert.equal(states.get('10.0.0.bbb')!.robot, false);
    const delta = aggregate([b]);
    assert.deepEqual([delta.robots, delta.robotIps], [3, 1]);
    assert.deepEqual(delta.robotSeconds.map((s) => [s.second % 60, s.visits]), [[3, 1], [4, 1], [6, 1]]);
    assert.equal(delta.robotStates.length, 1);
    assert.match(delta.robotStates[0].key, /^17347:t:0$/);
  });

  it('trimBatch keeps the verdicts and states of the first parse, never asks the classifier again', async () => {
    const { RobotClassifier } = await import('../../src/core/robots.js');
    const classifier = new RobotClassifier(robotsFilter.robots!.rule, { trackChanges: true });
    const b = parseRecords(records(rows, 10), opts(0, { filter: robotsFilter, robots: classifier }));
    // The classifier moves on (the next batch): a re-decision would now call every aaa visit a robot.
    classifier.visit('10.0.0.bbb', b.second[0] + 1, 1);
    const tail = trimBatch(b, 12)!; // records at offsets 13… (the 4th row on)
    assert.deepEqual([tail.records, tail.visits, tail.robots, tail.robotIps, tail.rejected], [4, 0, 3, 1, 1]);
    assert.equal(tail.robotStates, b.robotStates);
    const head = trimBatch(b, null)!;
    assert.deepEqual([head.visits, head.robots], [3, 3]);
  });

  it('a later batch of the partition overrides an earlier one\'s state of the same ip in a merged delta', async () => {
    const { RobotClassifier, decodeIpState } = await import('../../src/core/robots.js');
    const classifier = new RobotClassifier(robotsFilter.robots!.rule, { trackChanges: true });
    const first = parseRecords(records(rows.slice(0, 2), 0), opts(0, { filter: robotsFilter, robots: classifier, lastOffset: 1 }));
    const second = parseRecords(records(rows.slice(3, 5), 2), opts(0, { filter: robotsFilter, robots: classifier, follows: 1 }));
    const delta = aggregate([first, second]);
    const g = delta.robotStates[0];
    assert.deepEqual(g.ips, ['10.0.0.aaa']);
    assert.equal(decodeIpState(g.states[0]).robotVisits, 2, 'the state after the second batch');
  });

  it('refuses to parse a robots filter without the partition\'s classifier', () => {
    assert.throws(() => parseRecords(records(rows, 0), opts(0, { filter: robotsFilter })), /needs the partition's classifier/);
  });
});
