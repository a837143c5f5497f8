/**
 * A real terminal for end-to-end tests of full-screen commands: a private tmux server (own socket, so it
 * inherits this process's environment and never touches a user's tmux), one window of a fixed size running
 * a plain bash with the prompt "$ ", send-keys to type, capture-pane to read the screen.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const TMUX = '/usr/bin/tmux';

export class Terminal {
  private socketPath = '';

  private constructor(
    readonly socket: string,
    readonly target: string,
  ) {}

  /** Starts a server and a session of `width` × `height` running bash with PS1='$ '. */
  static start(socket: string, width: number, height: number, env: Record<string, string> = {}): Terminal {
    const t = new Terminal(socket, 'e2e');
    t.tmux(
      ['new-session', '-d', '-s', 'e2e', '-x', String(width), '-y', String(height), 'env', 'PS1=$ ', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'bash', '--norc', '--noprofile'],
    );
    // Keep the window at the given size whatever clients attach (none do), so capture-pane has that size.
    t.tmux(['set-option', '-t', 'e2e', 'window-size', 'manual']);
    t.socketPath = t.tmux(['display-message', '-p', '-t', 'e2e', '#{socket_path}']).trim();
    return t;
  }

  tmux(args: string[]): string {
    return execFileSync(TMUX, ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Types a line and presses Enter. */
  run(line: string): void {
    this.tmux(['send-keys', '-t', this.target, '-l', line]);
    this.tmux(['send-keys', '-t', this.target, 'Enter']);
  }

  /** Sends keys by tmux name: "q", "Escape", "C-c", "?". */
  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.target, ...keys]);
  }

  /** The visible screen as text, one string per row; `escapes` keeps colour and attribute sequences. */
  screen(escapes = false): string {
    return this.tmux(['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.target]);
  }

  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.target, '-x', String(width), '-y', String(height)]);
  }

  /** Polls the screen until `test` passes; fails with the last screen after `timeoutMs`. */
  async waitFor(test: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (test(last)) return last;
      await sleep(200);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${last}`);
  }

  /** Stops the server (and the programs in it) and removes its socket file, which tmux leaves behind. */
  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      /* already gone */
    }
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}
