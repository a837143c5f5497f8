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
  const loop = new WatchLoop(source, options);
  const onSignal = () => loop.stop();
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    await loop.run();
  } catch (e) {
    loop.stop(e);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    loop.screen?.destroy();
    await source.close().catch(() => undefined);
  }
  if (loop.failure !== undefined) throw loop.failure;
}

/** The refresh loop and the keys' effects; stop() ends it (and restores the terminal) from any path. */
class WatchLoop {
  screen: DashboardScreen | undefined;
  failure: unknown;
  private window: TopWindow;
  private paused = false;
  private stopped = false;
  private reading = false;
  private timer: NodeJS.Timeout | undefined;
  private last: WatchSnapshot | undefined;
  private finish!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(
    private readonly source: WatchSource,
    private readonly options: WatchOptions,
  ) {
    this.window = options.window;
  }

  /** Resolves once stopped (q, a signal, an error: see `failure`). */
  async run(): Promise<void> {
    this.screen = createDashboardScreen(
      {
        quit: this.guard(() => this.stop()),
        togglePause: this.guard(() => this.togglePause()),
        nextWindow: this.guard(() => this.nextWindow()),
      },
      { colour: this.options.colour },
    );
    // The layout at once, before the first read (connecting may take a moment).
    this.paint({ ...this.source.initial(), window: this.window });
    this.schedule(0);
    await this.done;
  }

  stop(error?: unknown): void {
    if (error !== undefined && this.failure === undefined) this.failure = error;
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.screen?.destroy();
    this.finish();
  }

  private guard<A extends unknown[]>(f: (...a: A) => void): (...a: A) => void {
    return (...a: A) => {
      try {
        f(...a);
      } catch (e) {
        this.stop(e);
      }
    };
  }

  private togglePause(): void {
    this.paused = !this.paused;
    if (this.last) this.paint(this.last);
    if (!this.paused) this.schedule(0);
  }

  private nextWindow(): void {
    this.window = nextWindow(this.window);
    if (this.last) this.paint({ ...this.last, window: this.window, topWindow: [], windowTotal: 0, previous: new Map(), previousTotal: 0 });
    if (!this.paused) this.schedule(0);
  }

  private paint(snapshot: WatchSnapshot): void {
    const { screen } = this;
    if (this.stopped || !screen) return;
    screen.render(buildView(snapshot, { span: this.options.span, maxPoints: screen.chartPoints(), paused: this.paused, lagWidth: screen.statusWidth() }));
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.paused || this.reading) return;
    this.reading = true;
    const started = Date.now();
    let snapshot: WatchSnapshot;
    try {
      snapshot = await this.source.read(this.window, this.options.span);
      if (this.stopped || this.paused) return;
      this.last = snapshot;
      this.paint(snapshot);
    } catch (e) {
      this.stop(e);
      return;
    } finally {
      this.reading = false;
    }
    // A window change during the read: read again at once rather than show the old window for a refresh.
    this.schedule(snapshot.window !== this.window ? 0 : Math.max(0, this.options.refreshMs - (Date.now() - started)));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }
}
