/**
 * Run the CLI as a user does: a child process (`node --import tsx
 * bin/cli.ts …`, or the `npx billhook` launcher), with its own environment,
 * folder and stdin, collecting exit code, stdout, stderr and wall time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO, 'bin', 'cli.ts');
/** What `npx billhook` runs: registers tsx from the package itself, so any folder works. */
export const LAUNCHER = path.join(REPO, 'bin', 'billhook-cli.mjs');

export interface RunOptions {
  env?: Record<string, string>;
  /** Default: the repo root. Another folder runs through the launcher (tsx then resolves from the package). */
  cwd?: string;
  /** Written to stdin, which is then closed (always closed: a piped, open stdin would be read as event data). */
  input?: string | Buffer;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** stdout parsed as JSON. */
  json: () => any;
}

/** The environment a test run gets: no BILLHOOK_* of the machine running the tests, no colour question. */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return { ...env, ...extra };
}

export function spawnBillhook(args: string[], options: RunOptions = {}): ChildProcessWithoutNullStreams {
  const cwd = options.cwd ?? REPO;
  const argv = cwd === REPO ? ['--import', 'tsx', CLI, ...args] : [LAUNCHER, ...args];
  const child = spawn(process.execPath, argv, { cwd, env: childEnv(options.env), stdio: 'pipe' });
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  return child;
}

export async function billhook(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const child = spawnBillhook(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return {
    code,
    stdout,
    stderr,
    ms: performance.now() - started,
    json: () => {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** A long-running command (tail): its output so far, and a way to stop it with Ctrl+C. */
export function startBillhook(args: string[], options: RunOptions = {}) {
  const child = spawnBillhook(args, options);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return {
    out,
    /** Ctrl+C, then the exit code. */
    async interrupt(): Promise<number | null> {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
