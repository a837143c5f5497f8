/**
 * The robots classification (src/core/robots.ts) on hand-made visits whose answer is worked out in the test:
 * the visit that crosses each limit, minute and day boundaries, distinct CIKs, an IP robot one day and
 * human the next, several visits in one second, rule parsing, the encoded state, and a classifier restored
 * mid-day from encoded states answering as an uninterrupted one. The comparison with an independent DuckDB
 * computation on the real sample files is in robots-reference.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DayCounter, RobotsDayPass } from '../../src/core/day-counts.js';
import { FindocError } from '../../src/core/errors.js';
import { parseFilter } from '../../src/core/filter.js';
import { LogParser } from '../../src/core/log-parser.js';
import {
  RobotClassifier,
  decodeIpState,
  encodeIpState,
  ipKey,
  ipKeyAt,
  ipOfKey,
  parseRobotRule,
  parseRobotsMode,
  robotsFilterName,
  ruleOf,
} from '../../src/core/robots.js';
import { EDGAR_HEADER, dayStart } from '../../src/core/visit.js';

const D = dayStart('2017-06-30');
const at = (hh: number, mm: number, ss: number, day = D) => day + hh * 3600 + mm * 60 + ss;

/** Classifies visits [ip, second, cik] in order with a fresh classifier; the robot flags. */
function classify(rule: string, visits: Array<[string, number, number]>): boolean[] {
  const c = new RobotClassifier(parseRobotRule(rule));
  return visits.map(([ip, s, cik]) => c.visit(ip, s, cik));
}

const times = (n: number, f: (k: number) => [string, number, number]) => Array.from({ length: n }, (_, k) => f(k));

describe('robots: the visit that crosses a limit', () => {
  it('minute-requests=5: the 6th request of a calendar minute is the first robot visit', () => {
    const r = classify('minute-requests=5', times(8, (k) => ['1.2.3.abc', at(10, 0, k), 7]));
    assert.deepEqual(r, [false, false, false, false, false, true, true, true]);
  });
  it('day-requests=3: the 4th request of the day crosses, hours apart', () => {
    const r = classify('day-requests=3', times(5, (k) => ['1.2.3.abc', at(k * 3, 0, 0), 7]));
    assert.deepEqual(r, [false, false, false, true, true]);
  });
  it('minute-ciks=2: the 3rd distinct CIK of a minute crosses; repeats of a CIK do not count', () => {
    const r = classify('minute-ciks=2', [
      ['1.2.3.abc', at(1, 0, 0), 1],
      ['1.2.3.abc', at(1, 0, 1), 1],
      ['1.2.3.abc', at(1, 0, 2), 2],
      ['1.2.3.abc', at(1, 0, 3), 2],
      ['1.2.3.abc', at(1, 0, 4), 1],
      ['1.2.3.abc', at(1, 0, 5), 3],
      ['1.2.3.abc', at(1, 0, 6), 1],
    ]);
    assert.deepEqual(r, [false, false, false, false, false, true, true]);
  });
  it('day-ciks=2: distinct CIKs over the day, across minutes', () => {
    const r = classify('day-ciks=2', [
      ['1.2.3.abc', at(1, 0, 0), 1],
      ['1.2.3.abc', at(2, 0, 0), 2],
      ['1.2.3.abc', at(3, 0, 0), 1],
      ['1.2.3.abc', at(4, 0, 0), 2],
      ['1.2.3.abc', at(5, 0, 0), 9],
    ]);
    assert.deepEqual(r, [false, false, false, false, true]);
  });
  it('records the first robot second, the limit crossed and the robot visits', () => {
    const c = new RobotClassifier(parseRobotRule('drt'));
    for (let k = 0; k < 9; k++) c.visit('9.9.9.zzz', at(12, 30, k), 1);
    c.visit('1.1.1.aaa', at(12, 30, 0), 1);
    const day = Math.floor(D / 86_400);
    assert.deepEqual(c.robots(day), [{ ip: '9.9.9.zzz', visits: 4, firstRobotSecond: at(12, 30, 5), limit: 'minute-requests' }]);
    assert.deepEqual(c.daySummary(day), { robotIps: 1, robotVisits: 4, ips: 2 });
  });
  it('a visit crossing two limits at once records the first in the list (minute-requests before day-requests)', () => {
    const c = new RobotClassifier(parseRobotRule('minute-requests=1,day-requests=1'));
    c.visit('1.2.3.abc', at(0, 0, 0), 1);
    assert.equal(c.visit('1.2.3.abc', at(0, 0, 1), 1), true);
    assert.equal(c.robots(Math.floor(D / 86_400))[0].limit, 'minute-requests');
  });
});

describe('robots: boundaries', () => {
  it('minute counts restart at each calendar minute (HH:MM), not over a sliding 60 s', () => {
    // 5 requests at 10:00:59 and 5 at 10:01:00: 10 within 2 s, but never more than 5 in one calendar minute.
    const v = [...times(5, () => ['1.2.3.abc', at(10, 0, 59), 1] as [string, number, number]), ...times(5, () => ['1.2.3.abc', at(10, 1, 0), 1] as [string, number, number])];
    assert.deepEqual(classify('minute-requests=5', v), Array(10).fill(false));
    assert.equal(classify('minute-requests=5', [...v, ['1.2.3.abc', at(10, 1, 30), 1]])[10], true);
  });
  it('minute CIK sets restart each minute', () => {
    const r = classify('minute-ciks=1', [
      ['1.2.3.abc', at(1, 0, 59), 1],
      ['1.2.3.abc', at(1, 1, 0), 2],
      ['1.2.3.abc', at(1, 1, 1), 3],
    ]);
    assert.deepEqual(r, [false, false, true]);
  });
  it('day counts restart at 00:00:00 UTC: a robot at 23:59:59 is human at 00:00:00 the next day', () => {
    const next = D + 86_400;
    const r = classify('day-requests=2', [
      ['1.2.3.abc', at(23, 59, 57), 1],
      ['1.2.3.abc', at(23, 59, 58), 1],
      ['1.2.3.abc', at(23, 59, 59), 1],
      ['1.2.3.abc', at(0, 0, 0, next), 1],
      ['1.2.3.abc', at(0, 0, 1, next), 1],
      ['1.2.3.abc', at(0, 0, 2, next), 1],
    ]);
    assert.deepEqual(r, [false, false, true, false, false, true]);
  });
  it('an IP is a robot one day and human the whole next day', () => {
    const c = new RobotClassifier(parseRobotRule('drt'));
    const robotDay = times(10, (k) => ['5.5.5.abc', at(8, 0, k), 1] as [string, number, number]).map(([ip, s, k]) => c.visit(ip, s, k));
    assert.deepEqual(robotDay, [false, false, false, false, false, true, true, true, true, true]);
    const next = times(5, (k) => ['5.5.5.abc', at(8, k, 0, D + 86_400), 1] as [string, number, number]).map(([ip, s, k]) => c.visit(ip, s, k));
    assert.deepEqual(next, Array(5).fill(false));
  });
  it('IPs are independent', () => {
    const v: Array<[string, number, number]> = [];
    for (let k = 0; k < 6; k++) v.push(['1.2.3.abc', at(0, 0, k), 1], ['1.2.3.abd', at(0, 0, k), 1]);
    assert.deepEqual(classify('minute-requests=5', v), [...Array(10).fill(false), true, true]);
  });
});

describe('robots: several visits of one IP in one second', () => {
  it('file order decides which one crosses', () => {
    // minute-ciks=1 in one second: CIKs 7, 7, 8 → the third crosses; 8, 7, 7 → the second does.
    assert.deepEqual(classify('minute-ciks=1', [['1.2.3.abc', D, 7], ['1.2.3.abc', D, 7], ['1.2.3.abc', D, 8]]), [false, false, true]);
    assert.deepEqual(classify('minute-ciks=1', [['1.2.3.abc', D, 8], ['1.2.3.abc', D, 7], ['1.2.3.abc', D, 7]]), [false, true, true]);
  });
  it('the 6th of 8 visits in one second crosses minute-requests=5', () => {
    assert.deepEqual(classify('drt', times(8, () => ['1.2.3.abc', D + 5, 1])), [false, false, false, false, false, true, true, true]);
  });
});

describe('robots: rules and names', () => {
  it('presets and their limits', () => {
    assert.deepEqual(parseRobotRule(undefined), { name: 'drt', limits: { 'minute-requests': 5, 'day-requests': 1000 } });
    assert.deepEqual(parseRobotRule('LM'), { name: 'lm', limits: { 'day-ciks': 50 } });
    assert.deepEqual(parseRobotRule('ryans').limits, { 'minute-requests': 25, 'minute-ciks': 3, 'day-requests': 500 });
  });
  it('specs: any non-empty subset, any order; a spec equal to a preset takes its name', () => {
    assert.equal(parseRobotRule('day-ciks=20,minute-requests=10').name, 'minute-requests=10,day-ciks=20');
    assert.equal(parseRobotRule('day-requests=1000, minute-requests=5').name, 'drt');
    assert.equal(parseRobotRule('day-ciks=50').name, 'lm');
    assert.equal(parseRobotRule('minute-ciks=0').name, 'minute-ciks=0');
    assert.equal(ruleOf({ 'day-requests': 7 }).name, 'day-requests=7');
  });
  it('bad forms are usage errors (exit 64) naming the accepted forms', () => {
    for (const bad of ['drtx', '', 'minute-requests', 'minute-requests=', 'minute-requests=-1', 'minute-requests=1.5', 'hour-requests=3', 'day-ciks=1,day-ciks=2', 'day-ciks=1,,']) {
      assert.throws(
        () => parseRobotRule(bad),
        (e: unknown) => e instanceof FindocError && e.exitCode === 64 && /drt, lm, ryans/.test(`${e.message} ${e.details.hint ?? ''}`) && /minute-requests=/.test(`${e.message} ${e.details.hint ?? ''}`),
        bad,
      );
    }
    assert.throws(() => parseRobotsMode('hourly'), (e: unknown) => e instanceof FindocError && e.exitCode === 64);
  });
  it('filter names carry rule and mode; existing names are unchanged', () => {
    assert.equal(robotsFilterName(parseRobotRule('drt'), 'causal'), 'robots(drt)');
    assert.equal(robotsFilterName(parseRobotRule('lm'), 'day'), 'robots-day(lm)');
    assert.equal(parseFilter(undefined).name, 'all');
    assert.equal(parseFilter('crawlers').name, 'crawlers');
    assert.equal(parseFilter('errors,crawlers').name, 'crawlers+errors');
    assert.equal(parseFilter('robots').name, 'robots(drt)');
    assert.equal(parseFilter('robots,crawlers,errors').name, 'crawlers+errors+robots(drt)');
    assert.equal(parseFilter(undefined, false, { rule: 'ryans' }).name, 'robots(ryans)');
    assert.equal(parseFilter('robots', false, { rule: 'day-ciks=9', mode: 'day' }).name, 'robots-day(day-ciks=9)');
    assert.equal(parseFilter(undefined, true, { mode: 'day' }).name, 'crawlers+robots-day(drt)');
    const names = new Set(['drt', 'lm', 'ryans', 'day-ciks=9'].flatMap((rule) => ['causal', 'day'].map((mode) => parseFilter('robots', false, { rule, mode }).name)));
    assert.equal(names.size, 8);
  });
});

describe('robots: ip keys and encoded state', () => {
  it('ip keys are exact and reversible', () => {
    for (const ip of ['0.0.0.aaa', '255.255.255.zzz', '101.81.133.jja', '1.2.3.abc']) assert.equal(ipOfKey(ipKey(ip)), ip);
    assert.notEqual(ipKey('1.2.3.abc'), ipKey('1.2.3.abd'));
    assert.ok(Number.isNaN(ipKey('1.2.3.4')));
    // One-to-one on the ip as written: leading zeros make another visitor, and come back as written.
    const forms = ['1.2.3.abc', '01.2.3.abc', '001.2.3.abc', '1.02.3.abc', '1.2.003.abc', '00.00.00.aaa', '0.0.0.aaa', '099.255.010.zzz'];
    assert.equal(new Set(forms.map(ipKey)).size, forms.length);
    for (const ip of forms) assert.equal(ipOfKey(ipKey(ip)), ip);
    assert.ok(Number.isSafeInteger(ipKey('255.255.255.zzz') + ipKey('000.000.000.zzz')));
    const parser = new LogParser({ source: { name: 't.csv', date: '2017-06-30' } });
    const b = parser.push(Buffer.from(`${EDGAR_HEADER}\n101.81.133.jja,2017-06-30,00:00:00,0.0,1.0,a,-index.htm,200.0,10.0,1.0,0.0,0.0,9.0,0.0,\n`)) ?? parser.end();
    assert.equal(ipKeyAt(b!, 0), ipKey('101.81.133.jja'));
    const z = new LogParser({ source: { name: 't.csv', date: '2017-06-30' } });
    const zb = z.push(Buffer.from(`${EDGAR_HEADER}\n101.081.0.jja,2017-06-30,00:00:00,0.0,1.0,a,-index.htm,200.0,10.0,1.0,0.0,0.0,9.0,0.0,\n`)) ?? z.end();
    assert.equal(ipOfKey(ipKeyAt(zb!, 0)), '101.081.0.jja');
  });
  it('encode/decode round trip, human and robot, and bad text is refused', () => {
    const c = new RobotClassifier(parseRobotRule('ryans'), { trackChanges: true });
    c.visit('1.2.3.abc', at(3, 4, 5), 123456789);
    c.visit('1.2.3.abc', at(3, 4, 6), 42);
    for (let k = 0; k < 30; k++) c.visit('7.7.7.qqq', at(3, 4, 7), 1);
    const changed = c.drainChanged();
    assert.equal(changed.length, 2);
    for (const ch of changed) {
      const s = decodeIpState(ch.encoded);
      assert.equal(encodeIpState(s), ch.encoded);
      assert.deepEqual({ ...s }, { ...c.state(ch.day, ch.ip)!, changed: false });
    }
    assert.ok(changed[1].encoded.length < 20, changed[1].encoded);
    assert.deepEqual(c.drainChanged(), []);
    for (const bad of ['', 'x', '1.h.2', '1.r.2.9.1', '1.q.1.1.1']) assert.throws(() => decodeIpState(bad), RangeError);
  });
});

describe('robots: a classifier restored mid-day from encoded states answers as an uninterrupted one', () => {
  it('for each preset, cut every 97 visits on a pseudo-random day', () => {
    for (const rule of ['drt', 'lm', 'ryans', 'minute-ciks=2,day-ciks=5']) {
      // 10 IPs, bursty, few then many CIKs, over two days (deterministic LCG).
      let x = 12345;
      const rnd = (n: number) => ((x = (x * 48271) % 2147483647), Math.floor((x / 2147483647) * n));
      const visits: Array<[string, number, number]> = [];
      let s = D + 86_000;
      for (let k = 0; k < 3000; k++) {
        s += rnd(3);
        visits.push([`10.0.${rnd(10)}.abc`, s, rnd(k < 1500 ? 4 : 200)]);
      }
      const whole = new RobotClassifier(parseRobotRule(rule));
      const expected = visits.map(([ip, t, cik]) => whole.visit(ip, t, cik));
      assert.ok(expected.some(Boolean) && expected.some((r) => !r), rule);
      const stored = new Map<string, string>(); // (day, ip) → encoded, as the stream's Redis would hold
      const got: boolean[] = [];
      for (let from = 0; from < visits.length; from += 97) {
        const c = new RobotClassifier(parseRobotRule(rule), { trackChanges: true });
        const chunk = visits.slice(from, from + 97);
        for (const [ip, t] of chunk) {
          const e = stored.get(`${Math.floor(t / 86_400)}|${ip}`);
          if (e !== undefined) c.load(ip, e);
        }
        for (const [ip, t, cik] of chunk) got.push(c.visit(ip, t, cik));
        for (const ch of c.drainChanged()) stored.set(`${ch.day}|${ch.ip}`, ch.encoded);
      }
      assert.deepEqual(got, expected, rule);
    }
  });
});

describe('robots in DayCounter', () => {
  const row = (ip: string, time: string, code = 200, crawler = 0) => `${ip},2017-06-30,${time},0.0,1.0,a,-index.htm,${code}.0,10.0,1.0,0.0,0.0,9.0,${crawler}.0,`;
  const csv = [
    EDGAR_HEADER,
    ...Array.from({ length: 7 }, (_, k) => row('1.1.1.aaa', `00:00:0${k}`, k === 0 ? 404 : 200)),
    row('2.2.2.bbb', '00:00:03', 200, 1),
    row('3.3.3.ccc', '00:00:04'),
  ].join('\n');
  const counts = (filter: ReturnType<typeof parseFilter>) => {
    const parser = new LogParser({ source: { name: 't.csv', date: '2017-06-30' } });
    const b = parser.push(Buffer.from(csv + '\n')) ?? parser.end();
    let dayRobots;
    if (filter.needsDayPass) {
      const pass = new RobotsDayPass('2017-06-30', filter);
      pass.add(b!);
      dayRobots = pass.classifier;
    }
    const c = new DayCounter('2017-06-30', filter, { dayRobots });
    c.add(b!);
    return { s: Array.from(c.counts.subarray(0, 8)), filtered: c.summary().filtered, name: c.summary().filter };
  };
  it('causal: the 6th visit of 1.1.1.aaa on is dropped; errors/crawlers combine, and the robots count sees the 404', () => {
    assert.deepEqual(counts(parseFilter('robots')), { s: [1, 1, 1, 2, 2, 0, 0, 0], filtered: 2, name: 'robots(drt)' });
    assert.deepEqual(counts(parseFilter('robots,errors,crawlers')), { s: [0, 1, 1, 1, 2, 0, 0, 0], filtered: 4, name: 'crawlers+errors+robots(drt)' });
  });
  it('day mode drops every visit of the robot IP that day', () => {
    assert.deepEqual(counts(parseFilter('robots', false, { mode: 'day' })), { s: [0, 0, 0, 1, 1, 0, 0, 0], filtered: 7, name: 'robots-day(drt)' });
  });
});
