/**
 * What a stage needs of Ctrl-C handling (src/signals.ts installs the handlers): a signal that aborts on the
 * first Ctrl-C, and a way to remove the handlers. A stage asks for it, through its deps, at the point where
 * a clean stop becomes possible; before that, a signal ends the process at once.
 */
export interface Shutdown {
  readonly signal: AbortSignal;
  dispose(): void;
}
