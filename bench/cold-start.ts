/**
 * Cold-start figures: the size of each Lambda bundle, built exactly as
 * `npm run build` builds it, and how long a fresh Node process takes to
 * import it, against the same for an empty module. Each bundle is built
 * twice, with the AWS SDK bundled and external, so the choice in
 * lib/infra/bundling.ts (LAMBDA_SDK) rests on numbers from one run.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildLambdas, type LambdaFunction } from '../lib/bundles.ts';
import { LAMBDA_SDK, type SdkMode } from '../lib/infra/bundling.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Under dist/ (git-ignored) and inside the repository, so the bundles resolve `@aws-sdk/*` from node_modules as on Lambda's runtime. */
export const BENCH_BUILD_DIR = 'dist/bench';

/** Times only the import, inside the child: process start-up is the same for every module and would hide the differences. */
const PROBE = `const url = process.argv[2];
const t = performance.now();
await import(url);
process.stdout.write(JSON.stringify({ importMs: performance.now() - t }));
`;

export interface BundleFigures {
  name: LambdaFunction;
  /** Where this build takes the AWS SDK from; `shipped` marks the one the stack deploys. */
  sdk: SdkMode;
  shipped: boolean;
  bytes: number;
  /** Bytes of the bundle that are the AWS SDK (0 when external). */
  sdkBytes: number;
  /** Median import() time in a fresh process. */
  importMs: number;
  /** importMs over the empty module's. */
  importRatio: number;
  /** Median wall time of the whole child process (start-up, import, exit), for context. */
  processMs: number;
  /** importMs less the AWS SDK clients' import (the part this bundle adds), over the empty module's; external builds only. */
  ownRatio?: number;
}

export interface ColdStartFigures {
  runs: number;
  emptyImportMs: number;
  emptyProcessMs: number;
  /** Median import of the AWS SDK clients every handler uses, from node_modules (as the runtime's copy loads at init). */
  sdkImportMs: number;
  /** Every function twice: SDK external, then bundled. */
  bundles: BundleFigures[];
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeImport(probe: string, file: string): Promise<{ importMs: number; processMs: number }> {
  const started = performance.now();
  // A bare environment: the parent's NODE_OPTIONS (tsx, vitest) must not load anything into the child.
  const { stdout } = await run(process.execPath, [probe, pathToFileURL(file).href], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
  const processMs = performance.now() - started;
  const { importMs } = JSON.parse(stdout) as { importMs: number };
  return { importMs, processMs };
}

/**
 * Build the bundles and time `runs` imports of each, interleaved (empty,
 * ingest, api, sender, fanout, empty, ...) so drift in machine load hits all
 * alike.
 */
export async function measureColdStart(options: { runs: number }): Promise<ColdStartFigures> {
  const outDir = path.join(REPO_ROOT, BENCH_BUILD_DIR);
  const modes: SdkMode[] = ['external', 'bundled'];
  const builds = (
    await Promise.all(modes.map(async (sdk) => (await buildLambdas({ outDir: path.join(outDir, sdk), sdk })).map((b) => ({ ...b, sdk, key: `${b.name}/${sdk}` }))))
  ).flat();
  await mkdir(outDir, { recursive: true });
  const probe = path.join(outDir, 'import-probe.mjs');
  const empty = path.join(outDir, 'empty.mjs');
  await writeFile(probe, PROBE);
  await writeFile(empty, '');
  const sdk = path.join(outDir, 'aws-sdk.mjs');
  await writeFile(sdk, "import '@aws-sdk/client-dynamodb';\nimport '@aws-sdk/lib-dynamodb';\nimport '@aws-sdk/client-sqs';\n");

  // Bundled and external builds of one function side by side, so load drift hits the pair alike.
  const modules = [{ key: 'empty', file: empty }, { key: 'aws-sdk', file: sdk }, ...builds.map((b) => ({ key: b.key, file: b.file }))];
  const samples = new Map<string, { importMs: number[]; processMs: number[] }>(modules.map((m) => [m.key, { importMs: [], processMs: [] }]));
  // One unrecorded round first (the first child of each module reads it from disk), unless a single quick run was asked for.
  if (options.runs > 1) for (const m of modules) await timeImport(probe, m.file);
  for (let r = 0; r < options.runs; r++) {
    for (const m of modules) {
      const t = await timeImport(probe, m.file);
      samples.get(m.key)!.importMs.push(t.importMs);
      samples.get(m.key)!.processMs.push(t.processMs);
    }
  }
  const emptyImportMs = median(samples.get('empty')!.importMs);
  const sdkImportMs = median(samples.get('aws-sdk')!.importMs);
  return {
    runs: options.runs,
    emptyImportMs,
    emptyProcessMs: median(samples.get('empty')!.processMs),
    sdkImportMs,
    bundles: builds.map((b) => {
      const s = samples.get(b.key)!;
      const importMs = median(s.importMs);
      return {
        name: b.name,
        sdk: b.sdk,
        shipped: b.sdk === LAMBDA_SDK,
        bytes: b.bytes,
        sdkBytes: b.sdkBytes,
        importMs,
        importRatio: importMs / emptyImportMs,
        processMs: median(s.processMs),
        ...(b.sdk === 'external' ? { ownRatio: Math.max(0, importMs - sdkImportMs) / emptyImportMs } : {}),
      };
    }),
  };
}
