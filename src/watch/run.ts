/**
 * The dashboard's loop: every --refresh, read a snapshot (source.ts), build the view (watch/dashboard.ts),
 * paint it (screen.ts). Keys change the window or pause; q/Esc/Ctrl-C, SIGTERM, SIGHUP and SIGINT stop it.
 *
 * Exit paths, each of which restores the terminal (screen.destroy()) BEFORE anything is printed:
 *   - a quit key, or SIGTERM/SIGHUP/SIGINT: the loop stops, the screen is destroyed, the source closed;
 *     resolves normally (exit 0);
 *   - an error in the loop, a key handler or painting: the same, then the error is rethrown for the CLI to
 *     print on the restored terminal (services being down is NOT such an error: the source reports them
 *     in the snapshot and keeps retrying);
 *   - anything that bypasses both (process.exit elsewhere, an uncaught exception): blessed's own 'exit'
 *     handler destroys the screen.
 * Reads never overlap: the next one is scheduled when the previous one ended.
 */
import { buildView, nextWindow, type TopWindow, type WatchSnapshot } from './dashboard.js';
import { createDashboardScreen, type DashboardScreen } from './screen.js';

export interface WatchSource {
  /** What to show before the first read answers (empty, "waiting"). */
  initial(): WatchSnapshot;
  read(window: TopWindow, span: number): Promise<WatchSnapshot>;
  close(): Promise<void>;
}

export interface WatchOptions {
  refreshMs: number;
  span: number;
  window: TopWindow;
  colour: boolean;
}

const SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

export async function runWatch(source: WatchSource, options: WatchOptions): Promise<void> {
  let window = options.window;
  let paused = false;
  let stopped = false;
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  let last: WatchSnapshot | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const stop = (error?: unknown) => {
    if (error !== undefined && failure === undefined) failure = error;
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    screen?.destroy();
    finish();
  };
  const guard =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      try {
        f(...a);
      } catch (e) {
        stop(e);
      }
    };

  let screen: DashboardScreen | undefined;
  const onSignal = () => stop();
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    screen = createDashboardScreen(
      {
        quit: guard(() => stop()),
        togglePause: guard(() => {
          paused = !paused;
          if (last) paint(last);
          if (!paused) schedule(0);
        }),
        nextWindow: guard(() => {
          window = nextWindow(window);
          if (last) paint({ ...last, window, topWindow: [], windowTotal: 0, previous: new Map(), previousTotal: 0 });
          if (!paused) schedule(0);
        }),
      },
      { colour: options.colour },
    );

    function paint(snapshot: WatchSnapshot): void {
      if (stopped || !screen) return;
      screen.render(buildView(snapshot, { span: options.span, maxPoints: screen.chartPoints(), paused, lagWidth: screen.statusWidth() }));
    }

    let reading = false;
    async function tick(): Promise<void> {
      if (stopped || paused || reading) return;
      reading = true;
      const started = Date.now();
      try {
        const snapshot = await source.read(window, options.span);
        if (stopped || paused) return;
        last = snapshot;
        paint(snapshot);
      } catch (e) {
        stop(e);
        return;
      } finally {
        reading = false;
      }
      // A window change during the read: read again at once rather than show the old window for a refresh.
      schedule(last.window !== window ? 0 : Math.max(0, options.refreshMs - (Date.now() - started)));
    }

    function schedule(ms: number): void {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void tick(), ms);
    }

    // The layout at once, before the first read (connecting may take a moment).
    paint({ ...source.initial(), window });
    schedule(0);
    await done;
  } catch (e) {
    stop(e);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    screen?.destroy();
    await source.close().catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
}
