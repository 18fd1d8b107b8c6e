/**
 * `npm start`: read the environment, start local mode, print where things
 * are, and stop cleanly on SIGINT/SIGTERM. Lives here rather than in
 * bin/local.ts so tests can drive it with fake handlers, output and signals.
 */
import path from 'node:path';
import { startLocal, type LocalSystem, type StartLocalOptions } from './system.ts';

export interface RunLocalDeps {
  /** The environment to read (PORT, HOST, BILLHOOK_DATA_DIR, BILLHOOK_ADMIN_KEY, BILLHOOK_BUNDLES). Default process.env. */
  env?: Record<string, string | undefined>;
  /** Command-line arguments after the script (`--bundles`); bin/local.ts passes process.argv.slice(2). Default none. */
  argv?: readonly string[];
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Register the stop handler for these signals. Default process.once for each. */
  onSignal?: (signals: readonly NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void) => void;
  exit?: (code: number) => void;
  /** Test seam: the functions to run instead of lambdas/*. */
  handlers?: StartLocalOptions['handlers'];
  cwd?: string;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

/**
 * Where the built bundles are when local mode should run them (`--bundles`,
 * or BILLHOOK_BUNDLES=1 / a folder), else undefined (the TypeScript sources).
 */
export function bundlesDirFrom(env: Record<string, string | undefined>, argv: readonly string[], cwd: string): string | undefined {
  for (const arg of argv) {
    if (arg !== '--bundles' && !arg.startsWith('--bundles=')) throw new Error(`unknown option ${arg} (npm start accepts --bundles[=<dir>])`);
  }
  const flag = argv.find((a) => a === '--bundles' || a.startsWith('--bundles='));
  const raw = flag !== undefined ? (flag.split('=')[1] ?? '1') : (env.BILLHOOK_BUNDLES ?? '').trim();
  if (raw === '' || raw === '0' || raw === 'false') return undefined;
  return path.resolve(cwd, raw === '1' || raw === 'true' ? 'dist' : raw);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535 (got "${raw}")`);
  return port;
}

/**
 * Start local mode and keep it running until a signal. Resolves with the
 * running system (or undefined when startup failed and `exit(1)` was called).
 */
export async function runLocal(deps: RunLocalDeps = {}): Promise<LocalSystem | undefined> {
  const env = deps.env ?? process.env;
  const out = deps.out ?? ((line: string) => console.log(line));
  const err = deps.err ?? ((line: string) => console.error(line));
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  const onSignal =
    deps.onSignal ??
    ((signals, handler) => {
      for (const s of signals) process.on(s, handler);
    });

  const started = performance.now();
  let system: LocalSystem | undefined;
  let signalled: NodeJS.Signals | undefined;
  let stopping = false;

  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      err(`billhook: ${signal} again, exiting without waiting`);
      exit(1);
      return;
    }
    stopping = true;
    out(`\nbillhook: ${signal} received, stopping (waiting for deliveries in flight)...`);
    try {
      await system?.stop();
      out('billhook: stopped');
      exit(0);
    } catch (e) {
      err(`billhook: error while stopping: ${e instanceof Error ? e.message : String(e)}`);
      exit(1);
    }
  };
  // Registered before booting, so Ctrl+C during startup still takes the emulators down.
  onSignal(SIGNALS, (signal) => {
    if (!system) {
      signalled ??= signal;
      return;
    }
    void shutdown(signal);
  });

  const explicitKey = env.BILLHOOK_ADMIN_KEY || undefined;
  let dataDir: string;
  let bundlesDir: string | undefined;
  try {
    const port = parsePort(env.PORT);
    bundlesDir = bundlesDirFrom(env, deps.argv ?? [], deps.cwd ?? process.cwd());
    if (bundlesDir) out(`billhook: running the built bundles in ${path.relative(deps.cwd ?? process.cwd(), bundlesDir) || '.'} (npm run build), not the sources`);
    dataDir = path.resolve(deps.cwd ?? process.cwd(), env.BILLHOOK_DATA_DIR || '.billhook');
    out('billhook: starting DynamoDB Local and the SQS emulator...');
    system = await startLocal({
      port,
      host: env.HOST || '127.0.0.1',
      dataDir,
      adminKey: explicitKey,
      ...(deps.handlers ? { handlers: deps.handlers } : {}),
      ...(bundlesDir ? { bundlesDir } : {}),
      log: (line) => out(`  ${line}`),
      logError: err,
    });
  } catch (e) {
    err(`billhook: could not start: ${e instanceof Error ? e.message : String(e)}`);
    exit(1);
    return undefined;
  }

  const s = system;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const keyLine =
    s.adminKeySource === 'option'
      ? `${s.adminKey.slice(0, 9)}… (from BILLHOOK_ADMIN_KEY)`
      : `${s.adminKey}${s.adminKeySource === 'generated' ? ' (new' : ' (kept'}, saved in ${path.relative(deps.cwd ?? process.cwd(), path.join(dataDir, 'admin-key')) || 'admin-key'})`;
  const keyForCurl = s.adminKeySource === 'option' ? '$BILLHOOK_ADMIN_KEY' : s.adminKey;
  out('');
  out(`Billhook is running locally (ready in ${seconds} s)`);
  out(`  API        ${s.apiUrl}`);
  out(`  Dashboard  ${s.dashboardUrl}  (sign in with the admin key)`);
  out(`  Admin key  ${keyLine}`);
  out(`  Code       ${bundlesDir ? `bundles in ${bundlesDir}` : 'TypeScript sources (lambdas/*/handler.ts)'}`);
  out(`  Data       ${s.dataDir} (SQS messages live in memory: retries still waiting in the queue do not survive a restart)`);
  out('');
  out(`  Try: curl -s -H "Authorization: Bearer ${keyForCurl}" ${s.apiUrl}/v1/tenants`);
  out('');
  out('Press Ctrl+C to stop.');

  if (signalled) void shutdown(signalled);
  return s;
}
