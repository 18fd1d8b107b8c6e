/** Small process helpers shared by the local-mode emulators. */
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';

/**
 * A port that was free a moment ago on `host`: bind port 0, read it, release it.
 * There is a short window in which another process could take it; callers that
 * spawn a child on it report the child's own error if that happens.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** A promise that resolves after `ms`, or early (with `false`) when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Keeps the last `max` characters written to it: enough of a child's output to explain a failure. */
export class TailBuffer {
  private text = '';
  constructor(private readonly max = 4000) {}
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.max);
  }
  toString(): string {
    return this.text.trim();
  }
}

/**
 * Stop a child process: SIGTERM, then SIGKILL if it has not exited after
 * `graceMs`. Resolves once it has exited (immediately if it already had).
 */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    if (!child.kill('SIGTERM')) {
      // The signal could not be sent: the process is already gone.
      clearTimeout(killer);
      resolve();
    }
  });
}
