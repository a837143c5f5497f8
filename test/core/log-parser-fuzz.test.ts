/**
 * Issue 17 item 1: a seeded, bounded fuzz test of the parser. Real SEC rows (2017-06-30 and 2003-03-01
 * samples) are mutated at random (byte flips, inserted NUL/0xFF/CR/LF/commas, deletions, truncations,
 * swapped fields, invalid UTF-8) and pushed in random chunks. The parser must never throw, and every visit
 * it yields must pass a stricter reference written here from DESIGN §1 with regular expressions on the raw
 * bytes, independently of log-parser.ts. Set FINDOC_FUZZ_SEED to replay a run; the seed is printed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogParser } from '../../src/core/log-parser.js';
import { readSample } from '../helpers/edgar-days.js';

const SEED = process.env.FINDOC_FUZZ_SEED ? Number(process.env.FINDOC_FUZZ_SEED) : Date.now() % 2 ** 31;
const ROUNDS = 60;
const ROWS_PER_ROUND = 200;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UINT = /^[0-9]+(\.0+)?$/;
/** idx, norefer, noagent, crawler: a uint (leading zeros allowed, e.g. "00.0") worth 0 or 1. */
const flag = (v: string) => UINT.test(v) && parseFloat(v) <= 1;
const FIELDS: Record<string, (v: string) => boolean> = {
  ip: (v) => {
    const m = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.[a-z]{3}$/.exec(v);
    return m !== null && [m[1], m[2], m[3]].every((o) => Number(o) <= 255);
  },
  date: (v) => {
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(v);
    if (!m || Number(m[1]) < 1970) return false;
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return d.toISOString().slice(0, 10) === v;
  },
  time: (v) => /^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$/.test(v),
  zone: (v) => /^-?[0-9]+(\.0+)?$/.test(v) && Math.abs(parseFloat(v)) <= 1400,
  cik: (v) => UINT.test(v) && parseFloat(v) <= 9_999_999_999,
  accession: (v) => !/[,\n]/.test(v),
  extention: (v) => !/[,\n]/.test(v),
  code: (v) => UINT.test(v) && parseFloat(v) <= 999,
  size: (v) => v === '' || (UINT.test(v) && parseFloat(v) <= Number.MAX_SAFE_INTEGER),
  idx: flag,
  norefer: flag,
  noagent: flag,
  find: (v) => UINT.test(v) && parseFloat(v) <= 10,
  crawler: flag,
  browser: (v) => v === '' || /^[a-z]{3}$/.test(v),
};

/** The reference verdict on a row's raw bytes (latin1 keeps one char per byte). */
function referenceAccepts(header: string[], raw: Buffer): boolean {
  const f = raw.toString('latin1').split(',');
  if (f.length !== header.length) return false;
  return header.every((name, i) => FIELDS[name](f[i]));
}

function mutate(row: Buffer, r: () => number): Buffer {
  const b = Buffer.from(row);
  const pos = Math.floor(r() * (b.length + 1));
  const special = [0x00, 0xff, 0x0d, 0x0a, 0x2c, 0x2e, 0x2d, 0x65, 0x30, 0x39, 0xc3, 0x80, 0x20][Math.floor(r() * 13)];
  switch (Math.floor(r() * 7)) {
    case 0: if (b.length) b[Math.min(pos, b.length - 1)] ^= 1 << Math.floor(r() * 8); return b;
    case 1: return Buffer.concat([b.subarray(0, pos), Buffer.from([special]), b.subarray(pos)]);
    case 2: return Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + Math.floor(r() * 4)))]);
    case 3: return b.subarray(0, pos);
    case 4: {
      const f = b.toString('latin1').split(',');
      const i = Math.floor(r() * f.length), j = Math.floor(r() * f.length);
      [f[i], f[j]] = [f[j], f[i]];
      return Buffer.from(f.join(','), 'latin1');
    }
    case 5: return Buffer.concat([b.subarray(0, pos), Buffer.from([0xe2, 0x82]), b.subarray(pos)]);
    default: return b; // unchanged: the reference must accept most of these
  }
}

describe(`parser fuzz (seed ${SEED}, replay with FINDOC_FUZZ_SEED=${SEED})`, () => {
  it('never throws and never yields a visit the stricter reference rejects', () => {
    console.log(`# log-parser fuzz seed: ${SEED}`);
    const r = rng(SEED);
    const samples = [readSample('log20170630-first24999rows.csv'), readSample('log20030301.csv')].map((s) => s.split('\n').filter((l) => l !== ''));
    let visits = 0;
    let rejected = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const lines = samples[round % 2];
      const header = lines[0];
      const names = header.split(',');
      const rows: Buffer[] = [];
      for (let k = 0; k < ROWS_PER_ROUND; k++) {
        const row = Buffer.from(lines[1 + Math.floor(r() * (lines.length - 1))], 'latin1');
        let m = row;
        for (let n = Math.floor(r() * 3); n > 0; n--) m = mutate(m, r);
        rows.push(m, Buffer.from(r() < 0.2 ? '\r\n' : '\n'));
      }
      const input = Buffer.concat([Buffer.from(`${header}\n`), ...rows]);
      const parser = new LogParser({ source: { name: `fuzz-${SEED}-${round}.csv`, date: null } });
      const check = (batch: ReturnType<LogParser['end']>) => {
        if (!batch) return;
        for (let i = 0; i < batch.length; i++) {
          const raw = batch.lineBytes(i);
          assert.ok(referenceAccepts(names, raw), `seed ${SEED} round ${round}: parser accepted ${JSON.stringify(raw.toString('latin1'))}`);
          visits++;
        }
      };
      let at = 0;
      while (at < input.length) {
        const n = 1 + Math.floor(r() * 600);
        check(parser.push(input.subarray(at, at + n)));
        at += n;
      }
      check(parser.end());
      rejected += parser.rejects?.total ?? 0;
    }
    assert.ok(visits > ROUNDS * ROWS_PER_ROUND * 0.2, `too few visits to mean anything: ${visits}`);
    console.log(`# fuzz: ${visits} visits checked, ${rejected} rejects`);
  });
});
