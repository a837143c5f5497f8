/** Running a command as a benchmark measures it: wall time and peak RSS of the child process. */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssMiB: number;
}

/**
 * Runs a command, polling its peak RSS (VmHWM) from /proc every 50 ms. `stdinFile` is opened for the
 * child itself (as `cmd < file`), so a reference such as kcat reads its input without this process in
 * between.
 */
export function measure(cmd: string, argv: string[], options: { env?: Record<string, string>; stdinFile?: string } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const stdin = options.stdinFile ? openSync(options.stdinFile, 'r') : 'ignore';
    const child = spawn(cmd, argv, { stdio: [stdin, 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    if (typeof stdin === 'number') closeSync(stdin);
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const poll = setInterval(async () => {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // exited between polls
      }
    }, 50);
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, wallMs: performance.now() - t0, peakRssMiB: peak });
    });
  });
}
