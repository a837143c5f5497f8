/**
 * findoc watch in a real terminal (tmux, fixed size) against state made by the real pipeline:
 *   replay (real SEC rows, own topic, re-stamped to now) → stream (own group and Redis prefix) → Redis;
 *   batch (three tiny days, own schema) → bands; companies sync (local stand-in for sec.gov) → names.
 * The bands of those days are 0 at nearly every second, so any traffic now is HOT; the sample's busiest
 * CIK is 807641 (361 visits, not in the tickers file: shown as its CIK) and the next 1053092 (351 visits,
 * CREDIT SUISSE AG, ticker GLDI).
 * The Redis-outage test runs its own redis-server on a free port, the PostgreSQL-outage test its own
 * cluster (test/helpers/private-postgres.ts): the shared ones are never stopped.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createKafka, withAdmin } from '../../src/adapters/kafka/admin.js';
import { connectPostgres } from '../../src/adapters/postgres.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState, namespaceKeys } from '../../src/adapters/stream-state.js';
import { BIN, runCli } from '../helpers/cli.js';
import { stackConfig, uniqueName, uniqueSchema } from '../helpers/services.js';
import { PrivatePostgres } from '../helpers/private-postgres.js';
import { Terminal } from '../helpers/tmux.js';
import { layoutFor, type BoxesLayout, type Rect } from '../../src/watch/layout.js';

const SAMPLE = new URL('../../../shared/data/edgar-samples/real/log20170630-first24999rows.csv', import.meta.url).pathname;
// 24,999 rows, two of them with a garbage CIK (1.96e+22, 1.41e+24) that replay rejects.
const SAMPLE_VISITS = 24_997;
const TICKERS = readFileSync(new URL('../../../shared/data/edgar-samples/reference/company_tickers.json', import.meta.url));

const config = stackConfig();
const id = uniqueName('watch');
const topic = `${id}-visits`;
const prefix = `${id}:`;
const schema = uniqueSchema('e2e_watch');
const set = 'e2e';
const dir = mkdtempSync(join(tmpdir(), 'findoc-watch-'));
const children: ChildProcess[] = [];
let server: Server;
let term: Terminal | undefined;

/** Starts a findoc command in the background (killed in after()). */
function background(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`background findoc ${args[0]} exited ${code}: ${stderr}\n`);
  });
  children.push(child);
  return child;
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await runCli(args, env, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `findoc ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Waits until the stream applied every visit of the sample to the namespace. */
async function streamed(redisUrl: string, expected: number): Promise<void> {
  const redis = await connectRedis(redisUrl);
  try {
    const state = new StreamState(redis, prefix);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const p = await state.readProgress();
      if (p.visits === expected) return;
      if (Date.now() > deadline) throw new Error(`stream applied ${p.visits} of ${expected} visits`);
      await sleep(250);
    }
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function watchLine(extra = ''): string {
  return `${extra}node ${BIN} watch --redis-prefix ${prefix} --schema ${schema} --set ${set} --refresh 500ms; echo "WATCH-EXIT=$?"`;
}

/** The shell is back: the last non-blank rows are `line` and then the bare prompt. */
function atPrompt(screen: string, line: string): boolean {
  const r = rows(screen).map((x) => x.trimEnd());
  return r.at(-1) === '$' && r.at(-2) === line;
}

/** The screen's rows, without trailing blanks. */
function rows(screen: string): string[] {
  return screen.replace(/\n+$/, '').split('\n');
}

/** The screen as a grid of `height` rows of `width` cells (code points; every glyph watch draws is one cell). */
function grid(screen: string, width: number, height: number): string[][] {
  const r = screen.split('\n').slice(0, height);
  while (r.length < height) r.push('');
  return r.map((row) => {
    const cells = [...row];
    while (cells.length < width) cells.push(' ');
    return cells;
  });
}

/** The inside of a box (its border left out), one string per row, trailing blanks kept. */
function inside(g: string[][], r: Rect): string[] {
  return g.slice(r.top + 1, r.top + r.height - 1).map((row) => row.slice(r.left + 1, r.left + r.width - 1).join(''));
}

/**
 * Every box of the layout at W×H has its whole border where layout.ts puts it: a text that overflowed its
 * box would overwrite a border cell (or push a row past the screen's width). capture-pane shows the
 * borders in the terminal's line-drawing letters (x, q, l, k, m, j) or as the Unicode box characters.
 */
function assertBoxesIntact(screen: string, width: number, height: number): { layout: BoxesLayout; g: string[][] } {
  const lines = rows(screen);
  assert.ok(lines.length <= height, `${lines.length} rows at ${width}×${height}:\n${screen}`);
  assert.ok(lines.every((r) => [...r].length <= width), `a row wider than ${width}:\n${screen}`);
  const layout = layoutFor(width, height) as BoxesLayout;
  assert.equal(layout.tooSmall, false);
  const g = grid(screen, width, height);
  const is = (y: number, x: number, chars: string, what: string) => assert.ok(chars.includes(g[y][x]), `${what} at column ${x}, row ${y} is "${g[y][x]}" (${width}×${height}):\n${screen}`);
  for (const [name, r] of Object.entries({ chart: layout.chart, temperature: layout.temperature, topAll: layout.topAll, topWindow: layout.topWindow, unusual: layout.unusual })) {
    const right = r.left + r.width - 1;
    const bottom = r.top + r.height - 1;
    is(r.top, r.left, 'l┌', `${name}'s top-left corner`);
    is(r.top, right, 'k┐', `${name}'s top-right corner`);
    is(bottom, r.left, 'm└', `${name}'s bottom-left corner`);
    is(bottom, right, 'j┘', `${name}'s bottom-right corner`);
    for (let y = r.top + 1; y < bottom; y++) {
      is(y, r.left, 'x│', `${name}'s left border`);
      is(y, right, 'x│', `${name}'s right border`);
    }
    for (let x = r.left + 1; x < right; x++) {
      // The label sits on the top border; the bottom one is whole.
      is(bottom, x, 'q─', `${name}'s bottom border`);
    }
  }
  return { layout, g };
}

describe('findoc watch in a real terminal', () => {
  before(async () => {
    // Names: the tickers file from a local stand-in for sec.gov.
    server = createServer((req, res) => {
      if (req.url === '/files/company_tickers.json') res.writeHead(200).end(TICKERS);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Bands: three tiny days (one visit each at 00:00:01) — p95 is 0 at every other second of the day.
    for (const d of ['01', '02', '03']) {
      writeFileSync(
        join(dir, `log201706${d}.csv`),
        'ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser\n' +
          `1.2.3.abc,2017-06-${d},00:00:01,0.0,320193.0,0000320193-17-000001,-index.htm,200.0,100.0,1.0,0.0,0.0,9.0,0.0,\n`,
      );
    }
    await Promise.all([
      ok(['companies', 'sync', '--base-url', baseUrl, '--sources', 'tickers', '--schema', schema]),
      ok(['batch', dir, '--set', set, '--schema', schema, '--workers', '0']),
      ok(['replay', SAMPLE, '--topic', topic, '--max']),
    ]);
    // A running stream: it stays up (and in the group) while watch reads its state.
    background(['stream', '--topic', topic, '--group', id, '--redis-prefix', prefix]);
    await streamed(config.redis.url, SAMPLE_VISITS);
  });

  after(async () => {
    term?.kill();
    for (const c of children) c.kill('SIGKILL');
    server?.close();
    rmSync(dir, { recursive: true, force: true });
    const pool = await connectPostgres(config.postgres.url);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    const redis = await connectRedis(config.redis.url);
    await new StreamState(redis, prefix).reset();
    redis.disconnect();
    await withAdmin(createKafka(config.kafka), config.kafka, (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
  });

  it('shows the chart, the top 10 with the leading company, the temperature and the status; w, p, ?, resize and q do what they say', async () => {
    term = Terminal.start(`findoc-e2e-${id}`, 120, 36, { NO_COLOR: '1' });
    term.run(watchLine());
    let s = await term.waitFor((x) => /CIK 807641/.test(x) && /HOT/.test(x) && /lag p0/.test(x), 'the dashboard with data');

    // The chart: its title, axis times and braille dots.
    assert.match(s, /visits\/s, last 5 min \d\d:\d\d:\d\d–\d\d:\d\d:\d\d UTC vs p25\/p75\/p95 of "e2e"/);
    assert.match(s, /[\u2801-\u28ff]{5}/);
    // Top 10 all time: the sample's two busiest CIKs, in order, named when the tickers file knows them.
    // (Borders are drawn with the terminal's line-drawing set: capture-pane shows "│" as "x".)
    const all = rows(s).filter((r) => /^[x│] \d+ +[A-Z]/.test(r)).map((r) => r.slice(0, 60));
    assert.match(all[0], /^[x│] 1 +CIK 807641 +361 /, s);
    assert.match(all[1], /^[x│] 2 +CREDIT SUISSE AG \(GLDI\) +351 /, s);
    // Temperature and status line.
    assert.match(s, /\[ HOT \]/);
    assert.match(s, /▶ now/);
    const status = rows(s).find((r) => r.startsWith('lag ')) ?? '';
    assert.match(status, /lag p0 0 \S p1 0 \S p2 0 \S p3 0/, s);
    assert.match(status, /data age \d/);
    assert.match(status, /ingest [\d.]+\/s/);
    assert.doesNotMatch(s, /unreachable/);
    // NO_COLOR: not one SGR colour parameter (30–37, 40–47, 90–97, 100–107, 38/48 palettes) on the screen.
    const sgr = [...term.screen(true).matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
    assert.deepEqual(sgr.filter((p) => p.split(';').some((n) => /^(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)$/.test(n))), []);

    // w cycles the window: 10 s → 1 min → 5 min → 1 h → 10 s.
    assert.match(s, /top 10, last 10 s/);
    for (const w of ['1 min', '5 min', '1 h', '10 s']) {
      term.keys('w');
      s = await term.waitFor((x) => x.includes(`top 10, last ${w}`), `window ${w}`);
    }
    // p pauses and resumes.
    term.keys('p');
    await term.waitFor((x) => /PAUSED \(p resumes\)/.test(x), 'PAUSED');
    term.keys('p');
    await term.waitFor((x) => !/PAUSED/.test(x), 'resumed');
    // ? shows the help; Esc closes it without quitting.
    term.keys('?');
    s = await term.waitFor((x) => /help \(\? or Esc closes\)/.test(x), 'the help overlay');
    assert.match(s, /w +top-10 window: 10 s → 1 min → 5 min → 1 h/);
    term.keys('Escape');
    s = await term.waitFor((x) => !/help \(\?/.test(x) && /CIK 807641/.test(x), 'the help closed, the dashboard still there');

    // Resize: redrawn at the new size, nothing beyond its width, every box still there.
    term.resize(90, 28);
    s = await term.waitFor((x) => rows(x).length <= 28 && /top 10, all time/.test(x) && /temperature/.test(x) && /CIK 807641/.test(x), 'the redraw at 90×28');
    assert.ok(rows(s).every((r) => [...r].length <= 90), s);
    assert.equal(rows(s).length, 28, s);
    assert.match(rows(s)[0], /temperature/);

    // q: the alternate screen is gone, the shell prompt is back, exit 0.
    term.keys('q');
    s = await term.waitFor((x) => atPrompt(x, 'WATCH-EXIT=0'), 'the shell prompt after q');
    assert.doesNotMatch(s, /top 10|temperature|visits\/s/);
  });

  for (const [width, height] of [
    [80, 24],
    [120, 40],
    [160, 48],
  ] as const) {
    it(`at ${width}×${height}: every box, the full temperature, the top 10 in full, the unusual panel and "? help"; no line overflows its box`, async () => {
      term?.kill();
      term = Terminal.start(`findoc-e2e-${id}-${width}`, width, height, { NO_COLOR: '1' });
      term.run(watchLine());
      const s = await term.waitFor((x) => /CIK 807641/.test(x) && /HOT/.test(x) && /lag /.test(x) && /unusual now/.test(x) && !/reading…/.test(x), `the dashboard at ${width}×${height}`);
      const { layout, g } = assertBoxesIntact(s, width, height);
      const title = (r: Rect) => g[r.top].slice(r.left, r.left + r.width).join('');
      // The chart: its title and dots; no legend box over its corner (the temperature names the lines).
      assert.match(title(layout.chart), /visits\/s, last 5 min/);
      assert.match(inside(g, layout.chart).join('\n'), /[\u2801-\u28ff]{3}/);
      // The temperature: the level, the thermometer, and the seconds measured on one line.
      const temp = inside(g, layout.temperature).map((l) => l.trim());
      assert.ok(temp.includes('[ HOT ]'), temp.join('\n'));
      assert.ok(temp.some((l) => l.startsWith('▶ now')), temp.join('\n'));
      for (const p of ['p95', 'p75', 'p25']) assert.ok(temp.some((l) => l.startsWith(p)), `${p}: ${temp.join('\n')}`);
      assert.ok(temp.some((l) => /^of day \d\d:\d\d:\d\d–\d\d:\d\d:\d\d$/.test(l)), temp.join('\n'));
      // Top 10 all time: ranks 1 to 10, the busiest CIK first; nothing hidden.
      assert.match(title(layout.topAll), /top 10, all time/);
      const all = inside(g, layout.topAll);
      const ranks = all.map((l) => /^ +(\d+) /.exec(l)?.[1]).filter((x) => x !== undefined).map(Number);
      assert.deepEqual(ranks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], all.join('\n'));
      assert.match(all[1], /^ 1 +CIK 807641 +361 $/);
      assert.ok(all.every((l) => !/CIK \d+…/.test(l)), `a CIK cut: ${all.join('\n')}`);
      assert.match(title(layout.topWindow), /top 10, last 10 s/);
      assert.doesNotMatch([...all, ...inside(g, layout.topWindow)].join('\n'), /more not shown/);
      // The unusual panel: its title, its header, and rows or the reason it has none.
      assert.match(title(layout.unusual), /unusual now, last 5 min/);
      const unusual = inside(g, layout.unusual);
      assert.match(unusual[0], /# company +(visits|now) +usual/);
      // The set never saw the sample's companies: the busiest one is first, "new".
      assert.match(unusual[1], /^ 1 CIK 807641 +361 +new/, unusual.join('\n'));
      // The status line: the lag, and the help key always.
      const status = rows(s).at(-1) ?? '';
      assert.match(status, /^lag /);
      assert.match(status, /\? help$/);
      if (width >= 120) assert.match(status, /q quit \S p pause \S w window \S \? help$/);
      // The help fits too, and says what the unusual panel is.
      term.keys('?');
      const help = await term.waitFor((x) => /help \(\? or Esc closes\)/.test(x) && /Unusual now:/.test(x), 'the help overlay');
      assert.ok(rows(help).length <= height && rows(help).every((r) => [...r].length <= width), help);
      term.keys('Escape');
      await term.waitFor((x) => !/help \(\?/.test(x), 'the help closed');
      term.keys('q');
      await term.waitFor((x) => atPrompt(x, 'WATCH-EXIT=0'), 'exit');
    });
  }

  it('at 50×14: "terminal too small: 50×14, needs 80×24", and the dashboard when the terminal grows to 80×24', async () => {
    term?.kill();
    term = Terminal.start(`findoc-e2e-${id}-small`, 50, 14, { NO_COLOR: '1' });
    term.run(watchLine());
    let s = await term.waitFor((x) => /terminal too small: 50×14, needs 80×24/.test(x), 'the too-small screen');
    assert.ok(rows(s).every((r) => [...r].length <= 50), s);
    assert.doesNotMatch(s, /top 10|temperature/);
    term.resize(80, 24);
    s = await term.waitFor((x) => /CIK 807641/.test(x) && /temperature/.test(x) && /\? help/.test(x), 'the dashboard at 80×24');
    assertBoxesIntact(s, 80, 24);
    term.resize(50, 14);
    await term.waitFor((x) => /terminal too small: 50×14/.test(x), 'too small again');
    term.keys('q');
    await term.waitFor((x) => atPrompt(x, 'WATCH-EXIT=0'), 'q quits the too-small screen too');
  });

  it('at 80×24 with a set that does not exist: the unusual panel and the temperature say why, inside their boxes', async () => {
    term?.kill();
    term = Terminal.start(`findoc-e2e-${id}-noset`, 80, 24, { NO_COLOR: '1' });
    term.run(`node ${BIN} watch --redis-prefix ${prefix} --schema ${schema} --set no-such-set --refresh 500ms; echo "WATCH-EXIT=$?"`);
    const s = await term.waitFor((x) => /CIK 807641/.test(x) && /per-company/.test(x), 'the dashboard without the set');
    const { layout, g } = assertBoxesIntact(s, 80, 24);
    const words = (r: Rect) => inside(g, r).map((l) => l.trim()).filter(Boolean).join(' ');
    assert.match(words(layout.unusual), /set "no-such-set" has no per-company history: findoc batch <logs> --set no-such-set/);
    assert.match(words(layout.temperature), /no day set "no-such-set": run findoc batch/);
    term.keys('q');
    await term.waitFor((x) => atPrompt(x, 'WATCH-EXIT=0'), 'exit');
  });

  it('Esc and Ctrl-C quit too, and SIGTERM restores the terminal', async () => {
    term?.kill();
    term = Terminal.start(`findoc-e2e-${id}-q`, 120, 36, { NO_COLOR: '1' });
    for (const quit of ['Escape', 'C-c']) {
      term.run('clear');
      term.run(watchLine());
      await term.waitFor((x) => /CIK 807641/.test(x), 'the dashboard');
      term.keys(quit);
      const s = await term.waitFor((x) => /WATCH-EXIT=0/.test(x), `exit after ${quit}`);
      assert.doesNotMatch(s, /top 10/);
    }
    term.run('clear');
    term.run(watchLine());
    await term.waitFor((x) => /CIK 807641/.test(x), 'the dashboard');
    // The shell's only child is the watch: SIGTERM it by its pid, as a process manager would.
    const shell = term.tmux(['list-panes', '-t', 'e2e', '-F', '#{pane_pid}']).trim();
    const pid = Number(execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim());
    assert.ok(pid > 0);
    process.kill(pid, 'SIGTERM');
    const s = await term.waitFor((x) => /WATCH-EXIT=\d+/.test(x), 'exit after SIGTERM');
    assert.match(s, /WATCH-EXIT=0/);
    assert.doesNotMatch(s, /top 10|temperature/);
    // The terminal works as before: a command's output appears normally.
    term.run('echo still-a-shell');
    await term.waitFor((x) => /^still-a-shell$/m.test(x), 'the shell answering');
  });

  it('an error while running restores the terminal before its message is printed (exit 70)', async () => {
    // A namespace whose totals key has the wrong type: reading it fails with WRONGTYPE, which is not a
    // service being down but a bug or a damaged state, so watch stops.
    const broken = `${id}-broken:`;
    const redis = await connectRedis(config.redis.url);
    try {
      await redis.set(namespaceKeys(broken).totals, 'not a hash');
      const t = Terminal.start(`findoc-e2e-${id}-e`, 120, 36, { NO_COLOR: '1' });
      try {
        t.run(`node ${BIN} watch --redis-prefix ${broken} --schema ${schema} --set ${set}; echo "WATCH-EXIT=$?"`);
        const s = await t.waitFor((x) => /WATCH-EXIT=\d+/.test(x), 'watch stopping on the error');
        assert.match(s, /WATCH-EXIT=70/);
        assert.match(s, /WRONGTYPE/);
        assert.doesNotMatch(s, /top 10|temperature/);
      } finally {
        t.kill();
      }
    } finally {
      await redis.del(namespaceKeys(broken).totals);
      redis.disconnect();
    }
  });

  it('colours by default (none under NO_COLOR: checked in the first test)', async () => {
    const colour = Terminal.start(`findoc-e2e-${id}-c`, 120, 36, {});
    try {
      colour.run(`unset NO_COLOR; ${watchLine()}`);
      await colour.waitFor((x) => /CIK 807641/.test(x), 'the dashboard in colour');
      // SGR colour parameters: 30–37/90–97 foreground, 40–47 background, 38;5 / 48;5 palette.
      assert.match(colour.screen(true), /\x1b\[[0-9;]*(3[0-7]|4[0-7]|9[0-7])m/);
      // No legend box over the chart's top-right corner, where the newest seconds are drawn: the lines are
      // named, in their colours, in the temperature box.
      const layout = layoutFor(120, 36) as BoxesLayout;
      const chart = inside(grid(colour.screen(), 120, 36), layout.chart).join('\n');
      assert.doesNotMatch(chart, /p95|p75|p25|visits\/s/, chart);
      assert.match(colour.screen(true), /\x1b\[31mp95/);
      colour.keys('q');
      await colour.waitFor((x) => /WATCH-EXIT=0/.test(x), 'exit');
    } finally {
      colour.kill();
    }
  });

  it('without a terminal: exit 64 pointing at findoc top and findoc bands', async () => {
    const r = await runCli(['watch', '--redis-prefix', prefix]);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /needs a terminal/);
    assert.match(r.stderr, /findoc top/);
    assert.match(r.stderr, /findoc bands/);
  });

  it('a stopped Redis shows as unreachable while the dashboard keeps running, and it recovers when Redis returns', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const startRedis = () => {
      const r = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
      children.push(r);
      return r;
    };
    const waitRedis = async () => {
      for (let i = 0; i < 50; i++) {
        try {
          (await connectRedis(redisUrl, { connectTimeoutMs: 200 })).disconnect();
          return;
        } catch {
          await sleep(100);
        }
      }
      throw new Error(`private redis-server on ${port} did not start`);
    };
    let redis = startRedis();
    await waitRedis();
    // Its own consumer group reads the same topic from the start into the private Redis.
    await ok(['stream', '--topic', topic, '--group', `${id}-private-1`, '--redis-prefix', prefix, '--until-end'], { REDIS_URL: redisUrl });

    const t = Terminal.start(`findoc-e2e-${id}-r`, 120, 36, { NO_COLOR: '1', REDIS_URL: redisUrl });
    try {
      t.run(watchLine());
      await t.waitFor((x) => /CIK 807641/.test(x) && !/unreachable/.test(x), 'the dashboard on the private Redis');

      redis.kill('SIGKILL');
      let s = await t.waitFor((x) => new RegExp(`Redis unreachable at 127\\.0\\.0\\.1:${port}`).test(x), 'Redis shown unreachable');
      // Still running, still showing the last data read.
      assert.match(s, /CIK 807641/);
      await sleep(1500);
      assert.match(t.screen(), /Redis unreachable/);
      assert.doesNotMatch(t.screen(), /WATCH-EXIT/);
      // At 80×24 the status line is short ("Redis unreachable"): the panels say the address.
      t.resize(80, 24);
      s = await t.waitFor((x) => rows(x).length <= 24 && /\? help$/.test(rows(x).at(-1) ?? ''), 'the dashboard at 80×24 with Redis down');
      assertBoxesIntact(s, 80, 24);
      assert.ok(rows(s).slice(0, -1).some((r) => /Redis unreachable at/.test(r)), s);
      assert.ok(rows(s).slice(0, -1).some((r) => r.includes(`127.0.0.1:${port}`)), s);
      assert.match(s, /CIK 807641/);
      t.resize(120, 36);

      redis = startRedis();
      await waitRedis();
      // Redis came back empty (--save ''): the stream fills it again; the dashboard shows it, without the warning.
      await ok(['stream', '--topic', topic, '--group', `${id}-private-2`, '--redis-prefix', prefix, '--until-end'], { REDIS_URL: redisUrl });
      s = await t.waitFor((x) => !/unreachable/.test(x) && /CIK 807641 +361/.test(x), 'recovered');
      t.keys('q');
      await t.waitFor((x) => /WATCH-EXIT=0/.test(x), 'exit');
    } finally {
      t.kill();
      redis.kill('SIGKILL');
    }
  });

  it('a stopped PostgreSQL is said in the chart title and the status line while the dashboard keeps running, and it recovers', async () => {
    const pgServer = await PrivatePostgres.create();
    try {
      // The same three tiny days make the set's bands in the private cluster.
      await ok(['batch', dir, '--set', set, '--schema', schema, '--workers', '0'], { DATABASE_URL: pgServer.url });
      const t = Terminal.start(`findoc-e2e-${id}-p`, 160, 40, { NO_COLOR: '1', DATABASE_URL: pgServer.url });
      try {
        t.run(watchLine());
        await t.waitFor((x) => /vs p25\/p75\/p95 of "e2e"/.test(x) && !/unreachable/.test(x), 'the dashboard with the private bands');
        pgServer.stop('immediate');
        const s = await t.waitFor((x) => new RegExp(`PostgreSQL unreachable at 127\\.0\\.0\\.1:${pgServer.port}`).test(x), 'PostgreSQL shown unreachable', 15_000);
        // Still running, the bands as last read, the live part untouched.
        assert.match(s, /CIK 807641/);
        assert.doesNotMatch(s, /no bands for/);
        assert.doesNotMatch(s, /WATCH-EXIT/);
        // At 80×24, where the status line and the chart's title are cut, the temperature box says it.
        t.resize(80, 24);
        const small = await t.waitFor((x) => rows(x).length <= 24 && /\? help$/.test(rows(x).at(-1) ?? ''), 'the dashboard at 80×24 with PostgreSQL down');
        assertBoxesIntact(small, 80, 24);
        const layout = layoutFor(80, 24) as BoxesLayout;
        const temp = inside(grid(small, 80, 24), layout.temperature).map((l) => l.trim());
        // Wrapped at spaces, never inside the address.
        assert.match(temp.join(' '), new RegExp(`PostgreSQL unreachable at 127\\.0\\.0\\.1:${pgServer.port} bands as last read`), temp.join('\n'));
        assert.doesNotMatch(small, /no bands for/);
        t.resize(160, 40);
        pgServer.start();
        await t.waitFor((x) => !/unreachable/.test(x) && /vs p25\/p75\/p95 of "e2e"/.test(x), 'recovered', 15_000);
        t.keys('q');
        await t.waitFor((x) => /WATCH-EXIT=0/.test(x), 'exit');
      } finally {
        t.kill();
      }
    } finally {
      pgServer.destroy();
    }
  });
});
