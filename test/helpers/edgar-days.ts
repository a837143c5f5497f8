/**
 * Day files for batch tests, made from the real SEC samples in ../shared (read, never copied into the
 * repository): a sample's rows re-dated to another day, optionally thinned (every k-th row) so that days
 * differ, and an independent per-second count of such a file — a few lines of string splitting, sharing no
 * code with the parser or the counter — to check batch against.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');

export function readSample(name: string): string {
  return readFileSync(join(REAL, name), 'latin1');
}

/**
 * The sample's header and rows, each row's `date` replaced by `day`; with `every` = k only the rows i with
 * i % k === offset are kept (i counted from 0 over the data rows).
 */
export function redate(sample: string, day: string, opts: { every?: number; offset?: number } = {}): string {
  const lines = sample.split('\n').filter((l) => l !== '' && l !== '\r');
  const header = lines[0].replace(/\r$/, '');
  const d = header.split(',').indexOf('date');
  const every = opts.every ?? 1;
  const offset = opts.offset ?? 0;
  const out = [header];
  lines.slice(1).forEach((line, i) => {
    if (i % every !== offset) return;
    const f = line.replace(/\r$/, '').split(',');
    f[d] = day;
    out.push(f.join(','));
  });
  return out.join('\n') + '\n';
}

export function gz(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'latin1'));
}

/**
 * Independent count of a log's valid rows per second of day: rows with the header's number of fields and a
 * cik written as digits with an optional zero fraction (the only reason rows of the real samples are
 * rejected: 2 garbage CIKs like 1.21e+24 in log20170630-first24999rows.csv).
 */
export function independentCounts(text: string): { counts: Int32Array; visits: number; badCik: number } {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  const header = lines[0].split(',');
  const t = header.indexOf('time');
  const c = header.indexOf('cik');
  const counts = new Int32Array(86_400);
  let visits = 0;
  let badCik = 0;
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f.length !== header.length) continue;
    if (!/^[0-9]+(\.0+)?$/.test(f[c])) {
      badCik++;
      continue;
    }
    const [hh, mm, ss] = f[t].split(':').map(Number);
    counts[hh * 3600 + mm * 60 + ss]++;
    visits++;
  }
  return { counts, visits, badCik };
}

/**
 * A day file of real rows with binary garbage among them: a NUL/0xFF line, invalid UTF-8 (on `date`) and
 * latin-1 bytes at a third and two thirds, CRLF on every 4th row, and a 10 MB last line without a newline.
 * The garbage makes 4 rejects for the shared parser (the 10 MB line included).
 */
export function withGarbage(lines: string[], date: string): Buffer {
  const garbage = [
    Buffer.from([0x00, 0x00, 0xff, 0xfe, 0x00, 0x2c, 0xff, 0x0a]),
    Buffer.concat([Buffer.from(`1.2.3.abc,${date},00:00:0`), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from(',x\n')]),
    Buffer.from('caf\xe9,na\xefve,\xff\xfe\n', 'latin1'),
  ];
  const at = [1, Math.floor(lines.length / 3), Math.floor((2 * lines.length) / 3)];
  const parts: Buffer[] = [];
  lines.forEach((l, i) => {
    const g = at.indexOf(i);
    if (g >= 0) parts.push(garbage[g]);
    parts.push(Buffer.from(i % 4 === 1 ? `${l}\r\n` : `${l}\n`, 'latin1'));
  });
  parts.push(Buffer.alloc(10 * 1024 * 1024, 0x41));
  return Buffer.concat(parts);
}
