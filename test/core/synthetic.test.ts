/**
 * The synthetic generator (src/generate/): format, order, determinism, and the calibration —
 * generated days must reproduce the statistics measured on the real samples (calibration.ts) within the
 * tolerances stated here. Pure: no service, no CLI. When ../shared's real samples are present, the
 * calibration constants themselves are re-measured from them with the same code (measure.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import { unzipFirstCsv } from '../../src/core/log-input.js';
import { LogParser } from '../../src/core/log-parser.js';
import { EDGAR_HEADER } from '../../src/core/visit.js';
import { AliasTable } from '../../src/generate/alias.js';
import * as C from '../../src/generate/calibration.js';
import { planDay } from '../../src/generate/day-plan.js';
import { DayGenerator, LOG_HEADER, MAX_ROW_LENGTH, logFileName, parseDate } from '../../src/generate/day-generator.js';
import { encoderStages } from '../../src/generate/encode.js';
import { parseHotBurst } from '../../src/generate/hot-burst.js';
import { LogStats, correlation, dispersionOf } from '../../src/generate/measure.js';
import { cikRankShares } from '../../src/generate/population.js';
import { rngFor, Sfc32 } from '../../src/generate/prng.js';
import { pipeline } from 'node:stream/promises';

/** A whole generated day as one Buffer. */
function dayBytes(options: ConstructorParameters<typeof DayGenerator>[0]): { bytes: Buffer; gen: DayGenerator } {
  const gen = new DayGenerator(options);
  return { bytes: Buffer.concat([...gen.chunks()]), gen };
}

function statsOf(bytes: Buffer): LogStats {
  const st = new LogStats();
  st.addCsv(bytes.toString('latin1'));
  return st;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Five ordinary days of 200,000 rows (the command's default size), generated once for the calibration tests. */
const DAYS = ['2017-06-05', '2017-06-06', '2017-06-07', '2017-06-08', '2017-06-09'].map((date) => statsOf(dayBytes({ seed: 11, date, rowsPerDay: 200_000 }).bytes));
const mean = (f: (s: LogStats) => number) => DAYS.reduce((a, s) => a + f(s), 0) / DAYS.length;

describe('synthetic generator: format', () => {
  const { bytes, gen } = dayBytes({ seed: 5, date: '2017-06-30', rowsPerDay: 30_000 });
  const text = bytes.toString('latin1');
  const lines = text.split('\n');

  it('writes the SEC header (misspelling included) and LF line ends, the last line ended', () => {
    assert.equal(LOG_HEADER, EDGAR_HEADER);
    assert.equal(lines[0], EDGAR_HEADER);
    assert.equal(lines.at(-1), '', 'the file ends with a newline');
    assert.ok(!text.includes('\r'));
    assert.equal(lines.length - 2, gen.rows);
    assert.equal(gen.bytes, bytes.length);
  });

  it('every row has 15 columns in the EDGAR formats: floats, 304 ⇒ empty size, crawler on 404', () => {
    const re = new RegExp(
      [
        '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.[a-j]{3}', // ip: three octets + a 3-letter code
        '2017-06-30',
        '\\d{2}:\\d{2}:\\d{2}',
        '0\\.0', // zone after 2006
        '\\d+\\.0', // cik as a float
        '\\d{10}-\\d{2}-\\d{6}', // accession
        '[^,]+', // extention
        '\\d{1,3}\\.0', // code
        '(\\d+\\.0)?', // size
        '[01]\\.0',
        '0\\.0', // norefer: 0.0 in every 2017 row
        '[01]\\.0',
        '\\d{1,2}\\.0', // find
        '[01]\\.0',
        '$', // browser: empty after 2006
      ].join(','),
    );
    for (let i = 1; i < lines.length - 1; i++) {
      const l = lines[i];
      assert.match(l, re, `line ${i + 1}`);
      const f = l.split(',');
      assert.equal(f.length, 15);
      assert.ok(l.length + 1 <= MAX_ROW_LENGTH, `line ${i + 1} is ${l.length + 1} bytes`);
      assert.equal(f[8] === '', f[7] === '304.0', `line ${i + 1}: size empty exactly for 304`);
      assert.equal(f[13] === '1.0', f[7] === '404.0', `line ${i + 1}: crawler exactly on 404`);
      assert.equal(f[9] === '1.0', f[6] === '-index.htm' || f[6] === '-index.html', `line ${i + 1}: idx on index pages`);
      for (const o of f[0].split('.').slice(0, 3)) assert.ok(Number(o) <= 255);
    }
  });

  it('rows are sorted by time, and within a second by ip string (byte order)', () => {
    let prev = '';
    for (let i = 1; i < lines.length - 1; i++) {
      const f = lines[i].split(',');
      const key = f[2] + ',' + f[0];
      assert.ok(prev <= key || prev.slice(0, 8) < f[2], `line ${i + 1}: ${prev} then ${key}`);
      if (prev.slice(0, 8) === f[2]) assert.ok(Buffer.compare(Buffer.from(prev.slice(9)), Buffer.from(f[0])) <= 0, `line ${i + 1}`);
      prev = key;
    }
  });

  it('parses through the reader (log-parser.ts) with zero rejects, every row a visit', () => {
    const parser = new LogParser({ source: { name: 'log20170630.csv', date: '2017-06-30' }, strict: true });
    let visits = 0;
    for (let o = 0; o < bytes.length; o += 65_536) visits += parser.push(bytes.subarray(o, o + 65_536))?.length ?? 0;
    visits += parser.end()?.length ?? 0;
    assert.equal(parser.stats.rejected, 0);
    assert.equal(visits, gen.rows);
  });

  it('days before 2007 use the early format: zone 500.0, browser codes, norefer = (find = 0); still zero rejects', () => {
    const old = dayBytes({ seed: 5, date: '2003-03-01', rowsPerDay: 20_000 }).bytes;
    const rows = old.toString('latin1').split('\n').slice(1, -1).map((l) => l.split(','));
    assert.ok(rows.every((f) => f[3] === '500.0'));
    const browsers = new Set(rows.map((f) => f[14]));
    assert.ok(browsers.has('win') && browsers.has('mie') && browsers.has(''), [...browsers].join(' '));
    assert.ok(rows.every((f) => (f[10] === '1.0') === (f[12] === '0.0')));
    const parser = new LogParser({ source: { name: 'log20030301.csv', date: '2003-03-01' }, strict: true });
    parser.push(old);
    parser.end();
    assert.equal(parser.stats.rejected, 0);
  });

  it('names files like the SEC', () => {
    assert.equal(logFileName('2017-06-01', 'csv'), 'log20170601.csv');
    assert.equal(logFileName('2017-06-01', 'csv.gz'), 'log20170601.csv.gz');
    assert.equal(logFileName('2017-06-01', 'zip'), 'log20170601.zip');
    assert.equal(parseDate('2017-02-29'), null);
    assert.equal(parseDate('2016-02-29')?.dayOfYear, 60);
  });
});

describe('synthetic generator: determinism', () => {
  it('the same seed gives byte-identical days; another seed or day gives different bytes', () => {
    const a = dayBytes({ seed: 42, date: '2017-06-01', rowsPerDay: 50_000 }).bytes;
    const b = dayBytes({ seed: 42, date: '2017-06-01', rowsPerDay: 50_000, chunkBytes: 8192 }).bytes;
    const c = dayBytes({ seed: 43, date: '2017-06-01', rowsPerDay: 50_000 }).bytes;
    const d = dayBytes({ seed: 42, date: '2017-06-02', rowsPerDay: 50_000 }).bytes;
    assert.equal(sha(a), sha(b), 'chunk size must not change the bytes');
    assert.notEqual(sha(a), sha(c));
    assert.notEqual(sha(a), sha(d));
  });

  it('a day does not depend on the days generated before it (a range equals days generated alone)', () => {
    const alone = dayBytes({ seed: 3, date: '2017-06-02', rowsPerDay: 20_000 }).bytes;
    dayBytes({ seed: 99, date: '2017-06-01', rowsPerDay: 20_000 }); // another universe in between
    dayBytes({ seed: 3, date: '2017-06-01', rowsPerDay: 20_000 });
    assert.equal(sha(dayBytes({ seed: 3, date: '2017-06-02', rowsPerDay: 20_000 }).bytes), sha(alone));
  });

  it('--day-variation 0 gives exactly --rows-per-day rows; the default varies the total between days', () => {
    assert.equal(new DayGenerator({ seed: 1, date: '2017-06-01', rowsPerDay: 123_457, dayVariation: 0 }).plan.total, 123_457);
    const totals = Array.from({ length: 30 }, (_, i) => planDay({ rowsPerDay: 1e6, dayVariation: C.DEFAULT_DAY_VARIATION, hot: [] }, rngFor(1, i)).total);
    const m = totals.reduce((a, b) => a + b, 0) / totals.length;
    const sd = Math.sqrt(totals.reduce((a, b) => a + (b - m) ** 2, 0) / totals.length);
    assert.ok(Math.abs(m / 1e6 - 1) < 0.06, `mean ${m}`);
    assert.ok(sd / m > 0.05 && sd / m < 0.16, `sd/mean ${sd / m}`);
  });
});

describe('synthetic generator: calibration against the real samples (tolerances stated per test)', () => {
  it('top-10 CIK share 7.18% (JAN1) ± 1.5 points; top 100 17.8% ± 3; top CIK 1.88% ± 0.6', () => {
    const t10 = mean((s) => s.topCikShare(10));
    assert.ok(Math.abs(t10 - C.MEASURED_TOP_CIK_SHARE.top10) < 0.015, `top 10 ${t10}`);
    const t100 = mean((s) => s.topCikShare(100));
    assert.ok(Math.abs(t100 - C.MEASURED_TOP_CIK_SHARE.top100) < 0.03, `top 100 ${t100}`);
    const t1 = mean((s) => s.topCikShare(1));
    assert.ok(Math.abs(t1 - C.MEASURED_TOP_CIK_SHARE.top1) < 0.006, `top 1 ${t1}`);
  });

  it('distinct CIKs in a day of JAN1 size: 41,174 measured, ± 20%', () => {
    const shares = cikRankShares();
    let expected = 0;
    for (const p of shares) expected += 1 - Math.pow(1 - p, C.JAN1_ROWS);
    assert.ok(Math.abs(expected / C.MEASURED_DISTINCT_CIKS - 1) < 0.2, `model ${expected}`);
    // and what a generated day shows, scaled to the same number of rows (200,000 → 174,850 changes it little)
    const d = mean((s) => s.cik.size);
    assert.ok(Math.abs(d / C.MEASURED_DISTINCT_CIKS - 1) < 0.25, `generated ${d}`);
  });

  it('heavy-hitting IPs: top IP 7.2%, top 10 30.9%, top 100 85.3% (JAN1) ± 2 / 5 / 4 points', () => {
    const t1 = mean((s) => s.topIpShare(1));
    const t10 = mean((s) => s.topIpShare(10));
    const t100 = mean((s) => s.topIpShare(100));
    assert.ok(Math.abs(t1 - C.MEASURED_TOP_IP_SHARE.top1) < 0.02, `top 1 ${t1}`);
    assert.ok(Math.abs(t10 - C.MEASURED_TOP_IP_SHARE.top10) < 0.05, `top 10 ${t10}`);
    assert.ok(Math.abs(t100 - C.MEASURED_TOP_IP_SHARE.top100) < 0.04, `top 100 ${t100}`);
  });

  it('hour-by-hour curve: the median day is within ±10% of the measured baseline in every hour; correlation ≥ 0.8 with the raw JAN1 hours', () => {
    // The median over days, because crawler episodes (as on JAN1, whose hours 05 and 09 are +20% and +31%
    // over its own baseline) lift a random hour of some days.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const hours = Array.from({ length: 24 }, (_, h) => median(DAYS.map((s) => s.hourShares()[h])));
    hours.forEach((x, h) => {
      const rel = x / C.HOUR_SHARES_BASELINE[h] - 1;
      assert.ok(Math.abs(rel) < 0.1, `hour ${h}: ${x.toFixed(4)} vs ${C.HOUR_SHARES_BASELINE[h]} (${(rel * 100).toFixed(1)}%)`);
    });
    const meanHours = Array.from({ length: 24 }, (_, h) => mean((s) => s.hourShares()[h]));
    assert.ok(correlation(meanHours, C.HOUR_SHARES_MEASURED) >= 0.8, `corr ${correlation(meanHours, C.HOUR_SHARES_MEASURED)}`);
    // the daytime drop of JAN1: 00–10 UTC busier than 10–24 UTC by ≥ 20%
    const early = meanHours.slice(0, 10).reduce((a, b) => a + b) / 10;
    const late = meanHours.slice(10).reduce((a, b) => a + b) / 14;
    assert.ok(early / late > 1.2, `early/late ${early / late}`);
  });

  it('top-of-the-hour rush: minute-of-hour profile correlates ≥ 0.8 with JAN1, minutes :00–:03 ≥ +12%', () => {
    const prof = Array.from({ length: 60 }, (_, m) => mean((s) => s.minuteOfHourProfile()[m]));
    assert.ok(correlation(prof, C.MINUTE_OF_HOUR_PROFILE) >= 0.8, `corr ${correlation(prof, C.MINUTE_OF_HOUR_PROFILE)}`);
    assert.ok(prof.slice(0, 4).reduce((a, b) => a + b) / 4 > 0.12, prof.slice(0, 4).join(' '));
  });

  it('status mix (JAN1): 200 64.7%, 301 31.1% ± 1.5 points; 403, 429 1.4% ± 0.3; 304 0.48% ± 0.15', () => {
    const close = (code: number, tol: number) => {
      const got = mean((s) => s.statusShare(code));
      const want = C.STATUS_MIX.find(([c]) => c === code)![1];
      assert.ok(Math.abs(got - want) < tol, `${code}: ${got} vs ${want}`);
    };
    close(200, 0.015);
    close(301, 0.015);
    close(403, 0.003);
    close(429, 0.003);
    close(304, 0.0015);
  });

  it('crawler share 0.555% (JAN1: the 404 rows) ± 0.1 point', () => {
    const got = mean((s) => s.crawler / s.rows);
    assert.ok(Math.abs(got - C.MEASURED_CRAWLER_SHARE) < 0.001, `crawler ${got}`);
  });

  it('index pages (idx = 1) 39.2% ± 1.5 points; -index.htm 37.9%, .txt 31.3% ± 1.5; noagent 1.74% ± 0.5', () => {
    const idx = mean((s) => s.idx / s.rows);
    assert.ok(Math.abs(idx - C.MEASURED_IDX_SHARE) < 0.015, `idx ${idx}`);
    const ih = mean((s) => s.classShare('index_htm'));
    const tx = mean((s) => s.classShare('txt'));
    assert.ok(Math.abs(ih - 0.3787) < 0.015, `-index.htm ${ih}`);
    assert.ok(Math.abs(tx - 0.3125) < 0.015, `.txt ${tx}`);
    const na = mean((s) => s.noagent / s.rows);
    assert.ok(Math.abs(na - C.NOAGENT_SHARE) < 0.005, `noagent ${na}`);
  });

  it('file sizes: median 200-response size within ±15% of JAN1 (-index.htm 2,848, .txt 18,199, named .xml 19,994)', () => {
    for (const [cls, want] of [
      ['index_htm', 2848],
      ['txt', 18199],
      ['xml_named', 19994],
    ] as const) {
      const got = mean((s) => s.median200(cls));
      assert.ok(Math.abs(got / want - 1) < 0.15, `${cls}: ${got} vs ${want}`);
    }
  });

  it('visits per second at J630 volume: variance/mean 3.68 ± 1.0 (measured over 69 busy seconds)', () => {
    // The rate at 00:00 of a day with this total matches J630's 353 rows/s.
    const rowsPerDay = Math.round((C.MEASURED_SECOND_MEAN_J630 * 86_400) / (C.CURVE_10MIN[0] * (1 + C.MINUTE_OF_HOUR_PROFILE[0])));
    let vm = 0;
    let m = 0;
    const n = 20;
    for (let d = 0; d < n; d++) {
      const plan = planDay({ rowsPerDay, dayVariation: 0, hot: [] }, rngFor(7, d, 1));
      const x = dispersionOf(plan.counts, 2, 70);
      vm += x.varOverMean / n;
      m += x.mean / n;
    }
    assert.ok(Math.abs(m / C.MEASURED_SECOND_MEAN_J630 - 1) < 0.15, `mean ${m}`);
    assert.ok(Math.abs(vm - C.MEASURED_SECOND_VAR_OVER_MEAN) < 1.0, `var/mean ${vm}`);
  });

  it('empty seconds at low volume: a day of D2003 size (43,458 rows) leaves 66.75% of seconds empty ± 5 points', () => {
    let z = 0;
    const n = 5;
    for (let d = 0; d < n; d++) {
      const plan = planDay({ rowsPerDay: C.D2003_ROWS, dayVariation: 0, hot: [] }, rngFor(7, d, 2));
      z += plan.counts.filter((c) => c === 0).length / 86_400 / n;
    }
    assert.ok(Math.abs(z - C.MEASURED_ZERO_SECOND_SHARE_D2003) < 0.05, `zero share ${z}`);
  });

  it('bursts at J630 volume: 3.97 rows per (second, ip) pair ± 1.2; consecutive rows of a pair repeat the cik 37.3% ± 5 points', () => {
    const gen = new DayGenerator({ seed: 3, date: '2017-06-30', rowsPerDay: 26_000_000, dayVariation: 0, chunkBytes: 1 << 16 });
    const parts: Buffer[] = [];
    let size = 0;
    for (const c of gen.chunks()) {
      parts.push(c);
      if ((size += c.length) > 3_000_000) break; // the generator is lazy: only the first ~70 s are made
    }
    const text = Buffer.concat(parts).toString('latin1');
    const st = new LogStats();
    // Whole seconds only: everything before the first row of 00:01:00.
    st.addCsv(text.slice(0, text.lastIndexOf('\n', text.indexOf(',00:01:00,')) + 1));
    const b = st.bursts();
    assert.ok(Math.abs(b.rowsPerPair - C.MEASURED_ROWS_PER_PAIR_J630) < 1.2, `rows/pair ${b.rowsPerPair}`);
    assert.ok(Math.abs(b.sameCik - C.SAME_CIK) < 0.05, `same cik ${b.sameCik}`);
  });

  it('percentile bands are meaningful: across 10 days the per-second counts differ (p75 > p25 in ≥ 90% of busy-hour seconds)', () => {
    const plans = Array.from({ length: 10 }, (_, d) => planDay({ rowsPerDay: 2_000_000, dayVariation: C.DEFAULT_DAY_VARIATION, hot: [] }, rngFor(9, d)));
    let spread = 0;
    const seconds = 3600;
    for (let s = 0; s < seconds; s++) {
      const v = plans.map((p) => p.counts[s]).sort((a, b) => a - b);
      const q = (p: number) => {
        const x = p * (v.length - 1);
        return v[Math.floor(x)] + (v[Math.ceil(x)] - v[Math.floor(x)]) * (x - Math.floor(x));
      };
      if (q(0.75) > q(0.25)) spread++;
    }
    assert.ok(spread / seconds >= 0.9, `${spread}/${seconds}`);
  });
});

describe('synthetic generator: robots shaped like the real ones (issue 14)', () => {
  const PRESETS = ['drt', 'lm', 'ryans'] as const;
  // Three days of D2003's size, dated 2003-03-01 (early clients: readers and scheduled robots).
  const EARLY = [1, 2, 3].map((seed) => statsOf(dayBytes({ seed, date: '2003-03-01', rowsPerDay: C.D2003_ROWS, dayVariation: 0 }).bytes));

  for (const preset of PRESETS) {
    it(`2003-03-01, ${preset}: the generated robot share is within 5 points of D2003's (${(100 * C.MEASURED_ROBOT_SHARE_D2003[preset]).toFixed(2)} %), on average and on each of 3 seeds within 7`, () => {
      const shares = EARLY.map((st) => st.robotShare(preset));
      const avg = shares.reduce((a, b) => a + b, 0) / shares.length;
      const real = C.MEASURED_ROBOT_SHARE_D2003[preset];
      assert.ok(Math.abs(avg - real) < 0.05, `mean ${avg} vs ${real} (${shares.join(', ')})`);
      for (const x of shares) assert.ok(Math.abs(x - real) < 0.07, `seed share ${x} vs ${real}`);
    });
  }

  it('2017: a day of JAN1 size read as a 1 % sample (counts × 100) has the day-level robot shares of JAN1 within 5 points', () => {
    // The generator keeps IP shares at any size, so a day of JAN1's rows is like a 1 % sample of a full day:
    // "more than 1,000 requests in the day" is then "more than 10 rows", 500 → 5.
    const st = statsOf(dayBytes({ seed: 4, date: '2017-01-01', rowsPerDay: C.JAN1_ROWS, dayVariation: 0 }).bytes);
    const drt = st.robotShare('day-requests=10');
    const ryans = st.robotShare('day-requests=5');
    assert.ok(Math.abs(drt - C.MEASURED_DAY_ROBOT_SHARE_JAN1.drt) < 0.05, `drt day-level ${drt}`);
    assert.ok(Math.abs(ryans - C.MEASURED_DAY_ROBOT_SHARE_JAN1.ryans) < 0.05, `ryans day-level ${ryans}`);
  });

  it('an early day has both kinds: an all-day IP over many CIKs at a steady rate, and a scraper of > 25 requests a minute for < 1 hour', () => {
    const text = dayBytes({ seed: 2, date: '2003-03-01', rowsPerDay: C.D2003_ROWS, dayVariation: 0 }).bytes.toString('latin1');
    const by = new Map<string, { rows: number; ciks: Set<string>; first: number; last: number; perMinute: Map<number, number> }>();
    for (const line of text.split('\n').slice(1, -1)) {
      const f = line.split(',');
      const t = Number(f[2].slice(0, 2)) * 3600 + Number(f[2].slice(3, 5)) * 60 + Number(f[2].slice(6, 8));
      let s = by.get(f[0]);
      if (!s) by.set(f[0], (s = { rows: 0, ciks: new Set(), first: t, last: t, perMinute: new Map() }));
      s.rows++;
      s.ciks.add(f[4]);
      s.last = t;
      s.perMinute.set(Math.floor(t / 60), (s.perMinute.get(Math.floor(t / 60)) ?? 0) + 1);
    }
    const ips = [...by.values()];
    const steady = ips.filter((s) => s.last - s.first > 20 * 3600 && s.ciks.size >= 100 && Math.max(...s.perMinute.values()) <= 30);
    const scrapers = ips.filter((s) => s.last - s.first < 3600 && Math.max(...s.perMinute.values()) > 25 && s.ciks.size >= 100);
    assert.ok(steady.length >= 1, `steady crawlers: ${steady.length}`);
    assert.ok(scrapers.length >= 1, `scrapers: ${scrapers.length}`);
  });

  it('early days keep their exact size with their robots (day variation 0), at any size, and robots scale with the day', () => {
    for (const rows of [0, 500, 2_000, 43_458, 150_000]) {
      const { bytes, gen } = dayBytes({ seed: 9, date: '2005-06-01', rowsPerDay: rows, dayVariation: 0 });
      const lines = bytes.toString('latin1').split('\n').length - 2;
      assert.equal(lines, rows, `rows of a ${rows}-row day`);
      assert.equal(gen.rows, rows);
      assert.equal(gen.expectedRows, rows);
    }
    const small = statsOf(dayBytes({ seed: 9, date: '2003-03-01', rowsPerDay: 150_000, dayVariation: 0 }).bytes).robotShare('drt');
    assert.ok(Math.abs(small - C.MEASURED_ROBOT_SHARE_D2003.drt) < 0.07, `drt share at 150,000 rows ${small}`);
  });
});

describe('synthetic generator: hot bursts', () => {
  it('parses CIK@HH:MM:SS[+SECONDS][xFACTOR]', () => {
    assert.deepEqual(parseHotBurst('320193@14:30:00'), { cik: 320193, start: 52_200, seconds: 60, factor: 5 });
    assert.deepEqual(parseHotBurst('0000320193@00:00:10+300x20'), { cik: 320193, start: 10, seconds: 300, factor: 20 });
    assert.deepEqual(parseHotBurst('1@23:59:59x2.5'), { cik: 1, start: 86_399, seconds: 60, factor: 2.5 });
    for (const bad of ['320193', '320193@25:00:00', 'x@10:00:00', '320193@10:00', '0@10:00:00', '320193@10:00:00+0', '320193@10:00:00x0']) {
      assert.throws(() => parseHotBurst(bad), (e: Error & { code?: string }) => e.code === 'FINDOC_USAGE', bad);
    }
  });

  it('the hot CIK tops its window and is absent elsewhere; the burst only adds rows (the rest is byte-identical)', () => {
    const hotCik = 9_876_543_210; // 10 digits: beyond int32, and outside the synthetic universe
    const base = dayBytes({ seed: 8, date: '2017-06-01', rowsPerDay: 200_000 }).bytes.toString('latin1');
    const { bytes, gen } = dayBytes({ seed: 8, date: '2017-06-01', rowsPerDay: 200_000, hot: [parseHotBurst(`${hotCik}@12:00:00+120x5`)] });
    const hot = bytes.toString('latin1');
    const cikText = `${hotCik}.0`;
    const hotLines = hot.split('\n').filter((l) => l.split(',')[4] === cikText);
    assert.equal(hotLines.length, gen.plan.hotTotal);
    assert.ok(hotLines.length > 15, `${hotLines.length} hot rows`);
    assert.ok(hotLines.every((l) => l.split(',')[2] >= '12:00:00' && l.split(',')[2] < '12:02:00'));
    // Removing the hot rows gives the day without the burst, byte for byte.
    assert.equal(hot.split('\n').filter((l) => l.split(',')[4] !== cikText).join('\n'), base);
    // Within the window the hot CIK is the busiest filer by far.
    const counts = new Map<string, number>();
    for (const l of hot.split('\n')) {
      const f = l.split(',');
      if (f[2] >= '12:00:00' && f[2] < '12:02:00') counts.set(f[4], (counts.get(f[4]) ?? 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    assert.equal(ranked[0][0], cikText);
    assert.ok(ranked[0][1] > 2 * ranked[1][1], `${ranked[0][1]} vs ${ranked[1][1]}`);
  });
});

describe('synthetic generator: streaming', () => {
  it('yields bounded chunks (≤ 1 MiB, or one busy second) and never the whole day at once', () => {
    const gen = new DayGenerator({ seed: 2, date: '2017-06-01', rowsPerDay: 300_000 });
    let n = 0;
    let max = 0;
    for (const c of gen.chunks()) {
      n++;
      max = Math.max(max, c.length);
    }
    assert.ok(n > 20, `${n} chunks`);
    assert.ok(max <= 1 << 20, `largest chunk ${max}`);
  });
});

describe('synthetic generator: building blocks', () => {
  it('sfc32 is deterministic per seed and uniform enough; Poisson and Gamma have the right moments', () => {
    const a = rngFor(1, 2);
    const b = rngFor(1, 2);
    for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
    const r = new Sfc32(1, 2, 3, 4);
    let s = 0;
    for (let i = 0; i < 100_000; i++) s += r.float();
    assert.ok(Math.abs(s / 100_000 - 0.5) < 0.01);
    for (const lambda of [0.3, 5, 40, 800]) {
      let m = 0;
      let m2 = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const k = r.poisson(lambda);
        m += k / n;
        m2 += (k * k) / n;
      }
      const v = m2 - m * m;
      assert.ok(Math.abs(m / lambda - 1) < 0.05, `poisson(${lambda}) mean ${m}`);
      assert.ok(Math.abs(v / lambda - 1) < 0.1, `poisson(${lambda}) var ${v}`);
    }
    let g = 0;
    for (let i = 0; i < 20_000; i++) g += r.gamma(260) / 20_000;
    assert.ok(Math.abs(g / 260 - 1) < 0.01);
  });

  it('alias tables draw in proportion to the weights', () => {
    const t = new AliasTable([1, 0, 3, 6]);
    const r = new Sfc32(9, 8, 7, 6);
    const c = [0, 0, 0, 0];
    for (let i = 0; i < 100_000; i++) c[t.drawFast(r)]++;
    assert.equal(c[1], 0);
    assert.ok(Math.abs(c[0] / 100_000 - 0.1) < 0.01 && Math.abs(c[3] / 100_000 - 0.6) < 0.01, c.join(' '));
  });
});

describe('zip and gzip output', () => {
  const csv = dayBytes({ seed: 4, date: '2017-06-03', rowsPerDay: 5_000 }).bytes;

  async function encode(format: 'zip' | 'csv.gz', zip64 = false): Promise<Buffer> {
    const out: Buffer[] = [];
    await (pipeline as unknown as (s: unknown[]) => Promise<void>)([
      Readable.from([csv.subarray(0, 1000), csv.subarray(1000)]),
      ...encoderStages(format, { memberName: 'log20170603.csv', date: '2017-06-03', comment: 'synthetic', zip64 }),
      async function (source: AsyncIterable<Buffer>) {
        for await (const c of source) out.push(c);
      },
    ]);
    return Buffer.concat(out);
  }

  async function yauzlRead(zip: Buffer): Promise<{ names: string[]; data: Buffer }> {
    return new Promise((resolve, reject) => {
      yauzl.fromBuffer(zip, { lazyEntries: true }, (err, zf) => {
        if (err || !zf) return reject(err);
        const names: string[] = [];
        let data = Buffer.alloc(0);
        zf.on('entry', (e: yauzl.Entry) => {
          names.push(e.fileName);
          zf.openReadStream(e, (err2, rs) => {
            if (err2 || !rs) return reject(err2);
            const parts: Buffer[] = [];
            rs.on('data', (d: Buffer) => parts.push(d));
            rs.on('end', () => {
              data = Buffer.concat(parts);
              zf.readEntry();
            });
          });
        });
        zf.on('end', () => resolve({ names, data }));
        zf.on('error', reject);
        zf.readEntry();
      });
    });
  }

  for (const zip64 of [false, true]) {
    it(`a ${zip64 ? 'ZIP64 ' : ''}zip has one member logYYYYMMDD.csv that yauzl, unzip -t and the streaming reader read back`, async () => {
      const zip = await encode('zip', zip64);
      const { names, data } = await yauzlRead(zip);
      assert.deepEqual(names, ['log20170603.csv']);
      assert.equal(sha(data), sha(csv));
      // The streaming reader (S3 inputs, log-input.ts) handles the data descriptor too.
      const streamed: Buffer[] = [];
      for await (const c of unzipFirstCsv(Readable.from([zip.subarray(0, 3000), zip.subarray(3000)]), 'log20170603.zip')) streamed.push(c);
      assert.equal(sha(Buffer.concat(streamed)), sha(csv));
      if (existsSync('/usr/bin/unzip')) {
        const path = join(tmpdir(), `findoc-synthetic-${process.pid}-${zip64}.zip`);
        const { writeFileSync, unlinkSync } = await import('node:fs');
        writeFileSync(path, zip);
        try {
          const out = execFileSync('unzip', ['-t', path]).toString();
          assert.match(out, /No errors detected/);
          assert.equal(sha(execFileSync('unzip', ['-p', path], { maxBuffer: 1 << 26 })), sha(csv));
        } finally {
          unlinkSync(path);
        }
      }
    });
  }

  it('the same bytes in give the same zip and gzip out (no wall-clock timestamps)', async () => {
    assert.equal(sha(await encode('zip')), sha(await encode('zip')));
    assert.equal(sha(await encode('csv.gz')), sha(await encode('csv.gz')));
  });
});

// ─── The calibration constants are what the real samples measure ────────────────────────────────────

const REAL = fileURLToPath(new URL('../../../shared/data/edgar-samples/real/', import.meta.url));

describe('calibration.ts matches the real samples (re-measured from ../shared)', () => {
  // The samples are part of the test data (../shared, beside the clone, as on CI): without them this fails.
  before(() => {
    assert.ok(existsSync(REAL + 'log20170101-every100th-row.zip'), `real samples not found in ${REAL}: the tests read them from ../shared/data`);
    assert.ok(existsSync('/usr/bin/unzip'), 'unzip not found: install it (apt-get install -y unzip)');
  });

  it('JAN1 (1% of 2017-01-01): shares, mixes, hours, distinct CIKs', () => {
    const text = execFileSync('unzip', ['-p', REAL + 'log20170101-every100th-row.zip'], { maxBuffer: 1 << 26 }).toString('latin1');
    const st = new LogStats();
    st.addCsv(text);
    assert.equal(st.rows, C.JAN1_ROWS);
    assert.equal(st.badCik, 6);
    const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: measured ${a}, calibration.ts ${b}`);
    near(st.topCikShare(1), C.MEASURED_TOP_CIK_SHARE.top1, 0.0001, 'top CIK');
    near(st.topCikShare(10), C.MEASURED_TOP_CIK_SHARE.top10, 0.0001, 'top 10 CIKs');
    near(st.topCikShare(100), C.MEASURED_TOP_CIK_SHARE.top100, 0.0001, 'top 100 CIKs');
    near(st.topCikShare(1000), C.MEASURED_TOP_CIK_SHARE.top1000, 0.0001, 'top 1000 CIKs');
    near(st.cik.size, C.MEASURED_DISTINCT_CIKS, 0, 'distinct CIKs');
    near(st.topIpShare(10), C.MEASURED_TOP_IP_SHARE.top10, 0.0001, 'top 10 IPs');
    near(st.topIpShare(100), C.MEASURED_TOP_IP_SHARE.top100, 0.0001, 'top 100 IPs');
    for (const [code, share] of C.STATUS_MIX) near(st.statusShare(code), share, 0.00001, `status ${code}`);
    near(st.crawler / st.rows, C.MEASURED_CRAWLER_SHARE, 0.00001, 'crawler');
    near(st.crawler, st.status.get(404) ?? 0, 0, 'crawler rows = 404 rows');
    near(st.idx / st.rows, C.MEASURED_IDX_SHARE, 0.00001, 'idx');
    near(st.noagent / st.rows, C.NOAGENT_SHARE, 0.00001, 'noagent');
    st.hourShares().forEach((h, i) => near(h, C.HOUR_SHARES_MEASURED[i], 0.00006, `hour ${i}`));
    near(st.median200('index_htm'), C.SIZE_200.index_htm[5], 0, 'median -index.htm size');
    near(st.median200('txt'), C.SIZE_200.txt[5], 0, 'median .txt size');
    // JAN1's 304s carry a size (the 2017 files do); the generator writes them empty, as DESIGN §1 says.
    near(st.emptySizeByStatus.get(304) ?? 0, 0, 0, 'JAN1 empty sizes');
  });

  it('J630 (first 24,999 rows of 2017-06-30): per-second dispersion and bursts', () => {
    const st = new LogStats();
    st.addCsv(readFileSync(REAL + 'log20170630-first24999rows.csv', 'latin1'));
    const d = st.dispersion(2, 70);
    assert.ok(Math.abs(d.mean - C.MEASURED_SECOND_MEAN_J630) < 0.1, `mean ${d.mean}`);
    assert.ok(Math.abs(d.varOverMean - C.MEASURED_SECOND_VAR_OVER_MEAN) < 0.01, `var/mean ${d.varOverMean}`);
    const b = st.bursts();
    assert.ok(Math.abs(b.sameCik - C.SAME_CIK) < 0.01, `same cik ${b.sameCik}`);
    assert.ok(Math.abs(b.rowsPerPair - C.MEASURED_ROWS_PER_PAIR_J630) < 0.05, `rows per pair ${b.rowsPerPair}`);
  });

  it('D2003 (the whole of 2003-03-01): empty seconds, 304 ⇒ empty size', () => {
    const st = new LogStats();
    st.addCsv(readFileSync(REAL + 'log20030301.csv', 'latin1'));
    assert.equal(st.rows, C.D2003_ROWS);
    assert.ok(Math.abs(st.zeroSecondShare() - C.MEASURED_ZERO_SECOND_SHARE_D2003) < 0.0001);
    assert.equal(st.emptySizeByStatus.get(304), st.status.get(304));
    for (const preset of ['drt', 'lm', 'ryans'] as const) {
      assert.ok(Math.abs(st.robotShare(preset) - C.MEASURED_ROBOT_SHARE_D2003[preset]) < 0.0001, `${preset}: ${st.robotShare(preset)}`);
    }
  });

  it('JAN1 day-level robot shares with counts × 100: more than 10 sample rows (drt) and more than 5 (ryans)', () => {
    const st = new LogStats();
    st.addCsv(execFileSync('unzip', ['-p', REAL + 'log20170101-every100th-row.zip'], { maxBuffer: 1 << 26 }).toString('latin1'));
    assert.ok(Math.abs(st.robotShare('day-requests=10') - C.MEASURED_DAY_ROBOT_SHARE_JAN1.drt) < 0.0001, 'drt day-level');
    assert.ok(Math.abs(st.robotShare('day-requests=5') - C.MEASURED_DAY_ROBOT_SHARE_JAN1.ryans) < 0.0001, 'ryans day-level');
  });
});
