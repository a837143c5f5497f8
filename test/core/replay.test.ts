/**
 * The replay loop and record format (src/replay/replay.ts) with an in-memory sink and a simulated clock:
 * no broker, no waiting. The Kafka side is test/integration-services/replay.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Clock } from '../../src/core/clock.js';
import { replay, type RecordSink } from '../../src/replay/replay.js';
import { EDGAR_HEADER, dayStart } from '../../src/core/visit.js';

const dir = mkdtempSync(join(tmpdir(), 'findoc-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const row = (ip: string, date: string, time: string, cik = '1608552.0') =>
  `${ip},${date},${time},0.0,${cik},0001047469-17-004337,-index.htm,200.0,80251.0,1.0,0.0,0.0,9.0,0.0,`;

const DAY = file('log20170630.csv', [
  EDGAR_HEADER,
  row('1.1.1.aaa', '2017-06-30', '00:00:00'),
  row('2.2.2.bbb', '2017-06-30', '00:00:00'),
  row('3.3.3.ccc', '2017-06-30', '00:00:02', '1.21e+24'), // rejected: bad_cik
  row('1.1.1.aaa', '2017-06-30', '00:00:03'),
  row('4.4.4.ddd', '2017-06-30', '09:30:00'),
]);

interface Sent {
  key: string;
  value: string;
  timestampMs: number;
}

/** Buffers up to `capacity` records per request, like the Kafka producer; records "arrive" on send. */
class MemorySink implements RecordSink {
  readonly records: Sent[] = [];
  private queue: Sent[] = [];
  sends = 0;
  constructor(private readonly capacity = 1000) {}
  add(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number, timestampMs: number): boolean {
    if (this.queue.length >= this.capacity) return false;
    this.queue.push({ key: Buffer.from(key.subarray(ks, ke)).toString(), value: Buffer.from(value.subarray(vs, ve)).toString(), timestampMs });
    return true;
  }
  async send(): Promise<void> {
    if (this.queue.length > 0) this.sends++;
    this.records.push(...this.queue);
    this.queue = [];
  }
  async flush(): Promise<void> {
    await this.send();
  }
  get acked(): number {
    return this.records.length;
  }
}

function fakeClock(startMs: number): Clock & { slept: number } {
  let t = startMs;
  const c = {
    slept: 0,
    now: () => t,
    sleep: async (ms: number) => {
      c.slept += Math.max(0, ms);
      t += Math.max(0, ms);
    },
  };
  return c;
}

const START = Date.UTC(2026, 10, 28, 12, 0, 0, 250);
const ANCHOR = START;

describe('replay (in memory)', () => {
  it('one record per valid visit: key = ip, value = the row with date/time re-stamped, timestamp = the stamp; rejects counted, never sent', async () => {
    const sink = new MemorySink();
    const clock = fakeClock(START);
    const s = await replay(DAY, sink, { pace: { mode: 'speed', factor: 1 }, clock });
    assert.equal(s.visitsSent, 4);
    assert.equal(s.rejects.count('bad_cik'), 1);
    assert.deepEqual(
      sink.records.map((r) => [r.key, r.timestampMs]),
      [
        ['1.1.1.aaa', ANCHOR],
        ['2.2.2.bbb', ANCHOR],
        ['1.1.1.aaa', ANCHOR + 3000],
        ['4.4.4.ddd', ANCHOR + 34_200_000],
      ],
    );
    assert.equal(sink.records[0].value, row('1.1.1.aaa', '2026-11-28', '12:00:00'));
    assert.equal(sink.records[2].value, row('1.1.1.aaa', '2026-11-28', '12:00:03'));
    assert.equal(sink.records[3].value, row('4.4.4.ddd', '2026-11-28', '21:30:00'));
    assert.equal(s.firstEventSecond, dayStart('2017-06-30'));
    assert.equal(s.lastEventSecond, dayStart('2017-06-30') + 34_200);
    assert.equal(s.firstStampMs, ANCHOR);
    assert.equal(s.lastStampMs, ANCHOR + 34_200_000);
    assert.equal(s.stoppedBy, 'end');
    // It waited for the gaps (9.5 h on the simulated clock), never more.
    assert.equal(clock.slept, 34_200_000);
  });

  it('--speed 1000 on the sub-second scale keeps the gaps (timestamps in ms)', async () => {
    const sink = new MemorySink();
    await replay(DAY, sink, { pace: { mode: 'speed', factor: 1000 }, clock: fakeClock(START) });
    assert.deepEqual(sink.records.map((r) => r.timestampMs - ANCHOR), [0, 0, 3, 34_200]);
    // The value carries the stamp's whole second.
    assert.match(sink.records[3].value, /,2026-11-28,12:00:34,/);
  });

  it('a file with its columns in another order (and an extra column) is sent in the SEC order, extra column dropped', async () => {
    const cols = EDGAR_HEADER.split(',');
    const shuffled = ['time', 'extra', ...cols.filter((c) => c !== 'time').reverse()];
    const values: Record<string, string> = Object.fromEntries(row('5.5.5.eee', '2017-06-30', '00:00:07').split(',').map((v, i) => [cols[i], v]));
    values.extra = 'ignored';
    const path = file('log20170629-shuffled.csv', [shuffled.join(','), shuffled.map((c) => values[c]).join(',')]);
    const sink = new MemorySink();
    await replay(path, sink, { pace: { mode: 'max' }, clock: fakeClock(START) });
    assert.deepEqual(sink.records.map((r) => [r.key, r.value]), [['5.5.5.eee', row('5.5.5.eee', '2026-11-28', '12:00:00')]]);
  });

  it('--rate and --max stamp with the wall clock when the visit is scheduled', async () => {
    const rate = new MemorySink();
    await replay(DAY, rate, { pace: { mode: 'rate', perSecond: 2 }, clock: fakeClock(START) });
    assert.deepEqual(rate.records.map((r) => r.timestampMs - START), [0, 500, 1000, 1500]);
    const max = new MemorySink();
    const s = await replay(DAY, max, { pace: { mode: 'max' }, clock: fakeClock(START) });
    assert.deepEqual(max.records.map((r) => r.timestampMs), [START, START, START, START]);
    assert.equal(s.maxLagMs, 0);
  });

  it('--loop reads the inputs again, stamps keep moving forward, and --limit stops it', async () => {
    const sink = new MemorySink();
    const s = await replay(DAY, sink, { pace: { mode: 'speed', factor: 1 }, loop: true, limit: 10, clock: fakeClock(START) });
    assert.equal(s.visitsSent, 10);
    assert.equal(s.passes, 3);
    assert.equal(s.stoppedBy, 'limit');
    const ts = sink.records.map((r) => r.timestampMs - ANCHOR);
    const pass = 34_200_000 + 1000; // last visit of a pass + one original second
    assert.deepEqual(ts, [0, 0, 3000, 34_200_000, pass, pass, pass + 3000, pass + 34_200_000, 2 * pass, 2 * pass]);
    // A file's rejects join the run's totals when the file has been read: passes 1 and 2 here, not the
    // third, cut short by --limit.
    assert.equal(s.rejects.count('bad_cik'), 2);
  });

  it('--start-at skips into the first day (and again on each pass)', async () => {
    const sink = new MemorySink();
    const s = await replay(DAY, sink, { pace: { mode: 'max' }, startAt: 3, loop: true, limit: 4, clock: fakeClock(START) });
    assert.deepEqual(sink.records.map((r) => r.key), ['1.1.1.aaa', '4.4.4.ddd', '1.1.1.aaa', '4.4.4.ddd']);
    assert.equal(s.skipped, 4);
  });

  it('a full sink is sent and the record added again: nothing lost, order kept', async () => {
    const sink = new MemorySink(1);
    await replay(DAY, sink, { pace: { mode: 'max' }, clock: fakeClock(START) });
    assert.deepEqual(sink.records.map((r) => r.key), ['1.1.1.aaa', '2.2.2.bbb', '1.1.1.aaa', '4.4.4.ddd']);
  });

  it('an abort during a wait stops cleanly: what was queued is flushed and counted', async () => {
    const sink = new MemorySink();
    const controller = new AbortController();
    const clock = fakeClock(START);
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await sleep(ms);
      if (ms > 10_000) controller.abort(); // during the 9.5 h wait before the last visit
    };
    const s = await replay(DAY, sink, { pace: { mode: 'speed', factor: 1 }, clock, signal: controller.signal });
    assert.equal(s.stoppedBy, 'signal');
    assert.equal(s.visitsSent, 3);
    assert.equal(sink.records.length, 3);
  });

  it('--strict: the first reject is an error (exit 65) naming file:line', async () => {
    await assert.rejects(
      replay(DAY, new MemorySink(), { pace: { mode: 'max' }, strict: true, clock: fakeClock(START) }),
      (e: { exitCode?: number; message: string }) => e.exitCode === 65 && /log20170630\.csv:4:/.test(e.message),
    );
  });

  it('an input without a single visit does not loop forever', async () => {
    const empty = file('log20170101.csv', [EDGAR_HEADER]);
    const s = await replay(empty, new MemorySink(), { pace: { mode: 'max' }, loop: true, clock: fakeClock(START) });
    assert.equal(s.visitsSent, 0);
    assert.equal(s.passes, 1);
  });
});
