import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildView,
  chartSeries,
  clockTime,
  fit,
  formatCount,
  formatDataAge,
  formatDuration,
  formatLag,
  nextWindow,
  risingComparison,
  risingFastest,
  temperatureLines,
  topRows,
  sessionsText,
  type WatchSnapshot,
} from '../../src/watch/dashboard.js';
import { FindocError } from '../../src/core/errors.js';
import type { Band } from '../../src/core/temperature.js';
import { temperature } from '../../src/core/temperature.js';

const DAY = 1_498_780_800; // 2017-06-30T00:00:00Z

describe('window cycle', () => {
  it('10s → 1m → 5m → 1h → 10s', () => {
    assert.deepEqual([nextWindow('10s'), nextWindow('1m'), nextWindow('5m'), nextWindow('1h')], ['1m', '5m', '1h', '10s']);
  });
});

describe('rising fastest: window share now vs the previous window', () => {
  it('marks the largest share gains, at most three, ignoring tiny counts and losers', () => {
    const now = [
      { cik: 1, visits: 50 }, // 50% now, 50% before: no gain
      { cik: 2, visits: 20 }, // 20% now, 5% before: +15
      { cik: 3, visits: 15 }, // 15%, new: +15 (tie → smaller CIK first)
      { cik: 4, visits: 10 }, // 10%, 2%: +8
      { cik: 5, visits: 3 }, // 3%, 0%: +3
      { cik: 6, visits: 2 }, // too few visits to mark
    ];
    const previous = new Map([
      [1, 100],
      [2, 10],
      [4, 4],
    ]);
    const r = risingFastest(now, 100, previous, 200);
    assert.deepEqual(r.map((x) => x.cik), [2, 3, 4]);
    assert.ok(Math.abs(r[0].gain - 15) < 1e-9);
  });

  it('marks nothing without a previous window to compare with', () => {
    assert.deepEqual(risingFastest([{ cik: 1, visits: 100 }], 100, new Map(), 0), []);
  });
});

describe('formatting', () => {
  it('durations and data age', () => {
    assert.equal(formatDuration(0.42), '0.4 s');
    assert.equal(formatDuration(42.9), '42 s');
    assert.equal(formatDuration(725), '12 min 05 s');
    assert.equal(formatDuration(3 * 3600 + 7 * 60 + 9), '3 h 07 min');
    assert.equal(formatDuration(12 * 86_400 + 4 * 3600), '12 d 4 h');
    // Age counts from the END of the latest second.
    assert.equal(formatDataAge(DAY, (DAY + 1) * 1000 + 300), '0.3 s');
    assert.equal(formatDataAge(DAY, (DAY - 5) * 1000), '6.0 s ahead');
    assert.equal(formatDataAge(null, 0), 'no data');
  });

  it('counts and lag, per partition when it fits, else a total', () => {
    assert.deepEqual([formatCount(842), formatCount(12_345), formatCount(1_234_567)], ['842', '12.3k', '1.23M']);
    const parts = [
      { partition: 1, lag: 12 },
      { partition: 0, lag: 0 },
      { partition: 2, lag: 34_000 },
      { partition: 3, lag: null },
    ];
    assert.equal(formatLag(parts), 'lag p0 0 · p1 12 · p2 34.0k · p3 ?');
    assert.equal(formatLag(parts, 20), 'lag 34.0k (4 partitions, 1 unknown)');
    assert.equal(formatLag([]), 'lag ?');
  });

  it('clock times and fitted labels', () => {
    assert.equal(clockTime(DAY + 3661), '01:01:01');
    assert.equal(fit('Apple Inc. (AAPL)', 8), 'Apple I…');
    assert.equal(fit('Apple', 8), 'Apple');
  });
});

describe('chart series', () => {
  const band: Band = { p25: 1, p50: 2, p75: 3, p95: 4 };
  it('one point per second when it fits, labelled HH:MM:SS, bands per second of day', () => {
    const T = DAY + 10;
    const c = chartSeries({ from: T - 4, counts: [1, 2, 3, 4, 5] }, T, 5, () => band, 100);
    assert.deepEqual(c.x, ['00:00:06', '00:00:07', '00:00:08', '00:00:09', '00:00:10']);
    assert.deepEqual(c.visits, [1, 2, 3, 4, 5]);
    assert.deepEqual(c.p95, [4, 4, 4, 4, 4]);
    assert.equal(c.hasBands, true);
    assert.equal(c.maxY, 5);
  });

  it('averages seconds into buckets when the span has more seconds than the chart has points', () => {
    const T = DAY + 99;
    const counts = Array.from({ length: 100 }, (_, i) => i);
    const c = chartSeries({ from: DAY, counts }, T, 100, () => undefined, 10);
    assert.equal(c.visits.length, 10);
    assert.equal(c.visits[0], 4.5); // mean of 0…9
    assert.equal(c.hasBands, false);
    assert.ok(c.p25.every(Number.isNaN));
  });
});

describe('words', () => {
  it('the temperature box: level, the rate placed among the band lines, the seconds compared, the trend', () => {
    const T = DAY + 100;
    const counts = [...new Array(10).fill(100), ...new Array(10).fill(200), 0];
    const band = { p25: 50, p50: 80, p75: 120, p95: 180 };
    const t = temperature({ from: T - 20, counts }, T - 1, () => band);
    assert.deepEqual(temperatureLines(t, 'default'), [
      'HOT',
      '▶ now     200/s',
      '  p95     180',
      '  p75     120',
      '  p25    50.0',
      'set "default", same seconds',
      'of day 00:01:30–00:01:39',
      '↑ rising (+100%), last 10 s',
    ]);
    // normal sits between p75 and p25; at exactly p25 it is normal (above the p25 line), below it cold.
    const at = (rate: number) => temperatureLines(temperature({ from: T - 10, counts: new Array(10).fill(rate) }, T - 1, () => band), 'd');
    assert.deepEqual(at(100).slice(0, 5), ['NORMAL', '  p95     180', '  p75     120', '▶ now     100/s', '  p25    50.0']);
    assert.deepEqual(at(50).slice(0, 5), ['NORMAL', '  p95     180', '  p75     120', '▶ now    50.0/s', '  p25    50.0']);
    assert.deepEqual(at(10).slice(0, 5), ['COLD', '  p95     180', '  p75     120', '  p25    50.0', '▶ now    10.0/s']);
  });

  it('says why there is no temperature', () => {
    assert.deepEqual(temperatureLines(temperature({ from: 0, counts: [] }, null, () => undefined), 'x'), ['UNKNOWN', 'waiting for the stream']);
    const t = temperature({ from: DAY, counts: [1] }, DAY + 19, () => undefined);
    assert.equal(temperatureLines(t, 'x', 'no day set "x": run findoc batch')[2], 'no day set "x": run findoc batch');
  });

  it('top rows carry rank, label and the rising mark', () => {
    const rows = topRows([{ cik: 7, visits: 9 }, { cik: 8, visits: 4 }], (c) => `CIK ${c}`, [{ cik: 8, gain: 5 }]);
    assert.deepEqual(rows, [
      { rank: 1, label: 'CIK 7', visits: 9, rising: false },
      { rank: 2, label: 'CIK 8', visits: 4, rising: true },
    ]);
  });
});

describe('what rising compares', () => {
  it('the window against the one before it, except 1 h (beyond the hour of per-CIK counts): its last 5 min against the hour', () => {
    const T = DAY + 10_000;
    assert.deepEqual(risingComparison('10s', T), { before: { window: '10s', end: T - 10, from: T - 19, to: T - 10 } });
    assert.deepEqual(risingComparison('5m', T), { before: { window: '5m', end: T - 300, from: T - 599, to: T - 300 } });
    assert.deepEqual(risingComparison('1h', T), {
      now: { window: '5m', from: T - 299, to: T },
      before: { window: '1h', end: T, from: T - 3599, to: T },
    });
  });

  it('uses the recent counts for 1 h when given', () => {
    const view = buildView(
      snapshot({
        window: '1h',
        topWindow: [{ cik: 1, visits: 600 }, { cik: 2, visits: 400 }],
        risingNow: new Map([[2, 90]]),
        windowTotal: 100,
        previous: new Map([[1, 600], [2, 400]]),
        previousTotal: 1000,
      }),
      { span: 60, maxPoints: 60, paused: false },
    );
    assert.deepEqual(view.topWindow.rows.map((r) => r.rising), [false, true]);
  });
});

function snapshot(over: Partial<WatchSnapshot> = {}): WatchSnapshot {
  const T = DAY + 3600;
  return {
    now: (T + 1) * 1000 + 500,
    latest: T,
    lastApplyMs: (T + 1) * 1000,
    series: { from: T - 99, counts: new Array(100).fill(20) },
    bandAt: () => ({ p25: 10, p50: 15, p75: 20, p95: 30 }),
    setName: 'default',
    topAll: [{ cik: 320193, visits: 500 }],
    window: '10s',
    topWindow: [{ cik: 320193, visits: 50 }],
    windowTotal: 200,
    previous: new Map(),
    previousTotal: 0,
    names: new Map([[320193, { name: 'Apple Inc.', ticker: 'AAPL' }]]),
    partitions: [{ partition: 0, lag: 0 }, { partition: 1, lag: 1500 }],
    ingestRate: 20,
    down: [],
    ...over,
  };
}

describe('the whole view', () => {
  it('chart title, temperature, named tables and a status line with lag, data age and ingest rate', () => {
    const v = buildView(snapshot(), { span: 60, maxPoints: 60, paused: false });
    assert.equal(v.chartTitle, 'visits/s, last 1 min 00:59:01–01:00:00 UTC vs p25/p75/p95 of "default"');
    assert.equal(v.chart?.visits.length, 60);
    assert.equal(v.level, 'normal');
    assert.equal(v.topAll.rows[0].label, 'Apple Inc. (AAPL)');
    assert.equal(v.topWindow.title, 'top 10, last 10 s (w) · ▲ rising');
    assert.deepEqual(v.status.map((p) => p.text), ['lag p0 0 · p1 1500', 'data age 0.5 s', 'ingest 20.0/s', 'q quit · p pause · w window · ? help']);
  });

  it('counts the latest second once the stream is idle (a finished replay), not while it is applying', () => {
    const T = DAY + 3600;
    const counts = [...new Array(99).fill(0), 1000]; // everything in second T
    const busy = buildView(snapshot({ series: { from: T - 99, counts }, lastApplyMs: (T + 1) * 1000 }), { span: 60, maxPoints: 60, paused: false });
    assert.equal(busy.level, 'cold');
    const idle = buildView(snapshot({ series: { from: T - 99, counts }, lastApplyMs: (T + 1) * 1000 - 2000 }), { span: 60, maxPoints: 60, paused: false });
    assert.equal(idle.level, 'hot');
    assert.equal(idle.temperature[1], '▶ now     100/s');
  });

  it('says paused, and names each unreachable service with its address and for how long', () => {
    const now = snapshot().now;
    const v = buildView(snapshot({ down: [{ service: 'Redis', address: '127.0.0.1:6390', since: now - 12_000, error: 'connect ECONNREFUSED' }] }), {
      span: 60,
      maxPoints: 60,
      paused: true,
    });
    assert.deepEqual(v.status.slice(0, 2), [
      { text: 'PAUSED (p resumes)', tone: 'warn' },
      { text: 'Redis unreachable at 127.0.0.1:6390 for 12 s, retrying', tone: 'bad', short: 'Redis unreachable' },
    ]);
  });

  it('before any data: no chart, "waiting", and the bands note when the set is missing', () => {
    const v = buildView(snapshot({ latest: null, series: { from: 0, counts: [] }, bandsNote: 'no day set "x": run findoc batch' }), {
      span: 60,
      maxPoints: 60,
      paused: false,
    });
    assert.equal(v.chart, null);
    assert.deepEqual(v.temperature, ['UNKNOWN', 'waiting for the stream']);
    const named = buildView(snapshot({ latest: null, series: { from: 0, counts: [] }, prefix: 'demo:' }), { span: 60, maxPoints: 60, paused: false });
    assert.match(named.temperature.join(' '), /nothing under "demo:" yet: is findoc stream running with this --redis-prefix\?/);
    assert.match(v.chartTitle, /no day set "x": run findoc batch/);
    assert.match(v.status[1].text, /data age no data/);
  });
});

describe('a service that is down is said in the panel it empties (issue 17 item 4, issue 18 item 5)', () => {
  const now = snapshot().now;
  const pgDown = { service: 'PostgreSQL', address: '127.0.0.1:5499', since: now - 5000, error: 'connect ECONNREFUSED' };
  const redisDown = { service: 'Redis', address: '127.0.0.1:6399', since: now - 5000, error: 'connect ECONNREFUSED' };
  const o = { span: 60, maxPoints: 60, paused: false };

  it('PostgreSQL down before any band was read: the chart title and the temperature say so, not "no bands"', () => {
    const v = buildView(snapshot({ bandAt: () => undefined, down: [pgDown] }), o);
    assert.match(v.chartTitle, /\(PostgreSQL unreachable at 127\.0\.0\.1:5499\)$/);
    assert.doesNotMatch(v.chartTitle, /no bands/);
    assert.ok(v.temperature.includes('PostgreSQL unreachable at 127.0.0.1:5499'), v.temperature.join(' | '));
  });

  it('PostgreSQL down with bands read before: they stay, marked as last read', () => {
    const v = buildView(snapshot({ down: [pgDown] }), o);
    assert.match(v.chartTitle, /vs p25\/p75\/p95 of "default" \(PostgreSQL unreachable at 127\.0\.0\.1:5499: bands as last read\)/);
    assert.equal(v.level, 'normal');
  });

  it('Redis down: the temperature names Redis and its address, never "is findoc stream running"', () => {
    const fresh = buildView(snapshot({ latest: null, series: { from: 0, counts: [] }, prefix: 'demo:', down: [redisDown] }), o);
    assert.ok(fresh.temperature.includes('Redis unreachable at 127.0.0.1:6399'), fresh.temperature.join(' | '));
    assert.doesNotMatch(fresh.temperature.join(' '), /is findoc stream running/);
    const later = buildView(snapshot({ down: [redisDown] }), o);
    assert.deepEqual(later.temperature.slice(-2), ['Redis unreachable at 127.0.0.1:6399', 'counts as last read; retrying']);
  });

  it('recovered: no word of it once the services answer', () => {
    const v = buildView(snapshot({ down: [] }), o);
    assert.doesNotMatch([v.chartTitle, ...v.temperature].join(' '), /unreachable/);
  });
});

describe('the view with live sessions', () => {
  it('the status line says the open sessions and the median length of those ended lately', () => {
    const v = buildView(snapshot({ sessions: { open: 1204, ended: 300, medianSeconds: 130, minutes: 5 } }), { span: 60, maxPoints: 60, paused: false });
    assert.ok(v.status.some((p) => p.text === 'sessions 1,204 open · median 2 min 10 s (last 5 min)'), v.status.map((p) => p.text).join(' | '));
    assert.equal(sessionsText({ open: 3, ended: 0, medianSeconds: NaN, minutes: 5 }), 'sessions 3 open · none ended (last 5 min)');
    assert.equal(sessionsText(null), null);
  });
});

describe('the view with the robots filter', () => {
  it('a stream with robots: human visits/s in the title, the human and robot shares in the status line', () => {
    const v = buildView(snapshot({ streamFilter: 'robots(drt)', setFilter: 'robots(drt)', shares: { humans: 27_424, robots: 16_034 } }), { span: 60, maxPoints: 60, paused: false });
    assert.match(v.chartTitle, /^human visits\/s, last 1 min/);
    assert.doesNotMatch(v.chartTitle, /filters differ/);
    // 16,034 / 43,458 = 36.895… %
    assert.ok(v.status.some((p) => p.text === 'humans 63.1 % · robots 36.9 %'), JSON.stringify(v.status));
    assert.equal(v.status.at(-1)?.text, 'q quit · p pause · w window · ? help');
  });

  it('says so when the set was counted under another filter than the stream', () => {
    const v = buildView(snapshot({ streamFilter: 'all', setFilter: 'robots(drt)', shares: null }), { span: 60, maxPoints: 60, paused: false });
    assert.match(v.chartTitle, /\[filters differ\]$/);
    assert.deepEqual(v.temperature.slice(-3), ['filters differ:', 'stream all', 'set robots(drt)']);
    assert.ok(!v.status.some((p) => /robots \d/.test(p.text)), 'no shares without the robots rule');
  });

  it('no word about filters when either is unknown or they agree', () => {
    for (const [stream, set] of [[null, 'all'], ['all', null], ['crawlers', 'crawlers']] as const) {
      const v = buildView(snapshot({ streamFilter: stream, setFilter: set }), { span: 60, maxPoints: 60, paused: false });
      assert.doesNotMatch(v.chartTitle, /filters differ/);
      assert.ok(!v.temperature.includes('filters differ:'));
    }
  });
});

describe('the panels say the service that emptied them (issue 18 item 5)', () => {
  const now = snapshot().now;
  const pgDown = { service: 'PostgreSQL', address: '127.0.0.1:5499', since: now - 5000, error: 'connect ECONNREFUSED' };
  const redisDown = { service: 'Redis', address: '127.0.0.1:6399', since: now - 5000, error: 'connect ECONNREFUSED' };
  const o = { span: 60, maxPoints: 60, paused: false };

  it('Redis down before any read: the chart title, both tables and the unusual panel name it', () => {
    const v = buildView(snapshot({ latest: null, series: { from: 0, counts: [] }, topAll: [], topWindow: [], down: [redisDown] }), o);
    assert.match(v.chartTitle, /\(Redis unreachable at 127\.0\.0\.1:6399\)/);
    assert.equal(v.topAll.note, 'Redis unreachable at 127.0.0.1:6399');
    assert.equal(v.topWindow.note, 'Redis unreachable at 127.0.0.1:6399');
    assert.equal(v.unusualStale, 'Redis unreachable at 127.0.0.1:6399');
  });

  it('PostgreSQL down with bands and an unusual list read before: the temperature and the panel say "as last read"', () => {
    const v = buildView(
      snapshot({ down: [pgDown], unusual: { asOf: 1, entries: [{ cik: 807641, visits: 30, expected: 0, score: 30, new: true }] } }),
      o,
    );
    assert.deepEqual(v.temperature.slice(-2), ['PostgreSQL unreachable at 127.0.0.1:5499', 'bands as last read']);
    assert.equal(v.unusual.rows.length, 1);
    assert.equal(v.unusualStale, 'PostgreSQL unreachable at 127.0.0.1:5499: as last read');
    assert.equal(v.topAll.note, null);
  });

  it('both answering: no note anywhere; the unusual panel says why it cannot score', () => {
    const v = buildView(snapshot({ unusual: { problem: 'filters differ: stream all, set robots(drt)' } }), o);
    assert.equal(v.unusualStale, null);
    assert.equal(v.unusual.note, 'filters differ: stream all, set robots(drt)');
    assert.doesNotMatch([v.chartTitle, ...v.temperature, v.topAll.note ?? ''].join(' '), /unreachable/);
  });
});
