/**
 * Shutdown: graceful on the first signal, forceful on the second (DESIGN §3).
 *
 * Signals handled:
 *   SIGINT  — Ctrl-C in a terminal;
 *   SIGTERM — kill, process managers, `npm run demo` stopping its children;
 *   SIGHUP  — the terminal went away (closing the window running `findoc stream`).
 * The first one aborts the returned signal: long-running commands stop taking new work, then flush,
 * commit and close, print their summary, and the CLI exits 130 (128 + SIGINT, as shells expect). A second
 * one exits at once with 130.
 */
import { ERROR_CODES } from './core/errors.js';

const HANDLED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

let received: NodeJS.Signals | null = null;

/**
 * The signal that stopped this run, if one did. The CLI exits 130 after a command that returns normally
 * once stopped by one (its clean summary printed), so every long command ends the same way (README).
 */
export function receivedSignal(): NodeJS.Signals | null {
  return received;
}

export interface Shutdown {
  signal: AbortSignal;
  /** Removes the handlers (call when the command finished on its own). */
  dispose(): void;
}

export function onShutdown(onFirst?: (signal: NodeJS.Signals) => void): Shutdown {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nsecond ${sig}: exiting now\n`);
      process.exit(ERROR_CODES.FINDOC_INTERRUPTED);
    }
    process.stderr.write(`\n${sig}: finishing cleanly (press Ctrl-C again to exit at once)\n`);
    received ??= sig;
    controller.abort(sig);
    onFirst?.(sig);
  };
  for (const s of HANDLED) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of HANDLED) process.off(s, handler);
    },
  };
}
