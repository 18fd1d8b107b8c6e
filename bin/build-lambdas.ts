/**
 * Bundle each Lambda handler the way the CDK stack does (esbuild, minified
 * ESM for Node 22, AWS SDK left to the runtime) into dist/<name>/index.mjs,
 * and print each bundle's size. `buildLambdas` is exported so the benchmark
 * measures exactly these bundles.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const LAMBDA_FUNCTIONS = ['ingest', 'api', 'sender', 'fanout'] as const;
export type LambdaFunction = (typeof LAMBDA_FUNCTIONS)[number];

export interface BuiltLambda {
  name: LambdaFunction;
  /** Absolute path of the bundle (its source map sits beside it). */
  file: string;
  /** Bytes of the bundle, source map excluded. */
  bytes: number;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Bundle every function into `<outDir>/<name>/index.mjs`. `outDir` should be
 * inside the repository: the bundles import `@aws-sdk/*` at run time and Node
 * resolves it from node_modules above them.
 *
 * @example
 * const built = await buildLambdas({ outDir: 'dist' });
 * console.log(built.map((b) => `${b.name} ${b.bytes}`));
 */
export async function buildLambdas(options: { outDir?: string } = {}): Promise<BuiltLambda[]> {
  const outDir = path.resolve(REPO_ROOT, options.outDir ?? 'dist');
  const built: BuiltLambda[] = [];
  for (const name of LAMBDA_FUNCTIONS) {
    const outfile = path.join(outDir, name, 'index.mjs');
    await build({
      entryPoints: [path.join(REPO_ROOT, 'lambdas', name, 'handler.ts')],
      outfile,
      bundle: true,
      minify: true,
      sourcemap: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    built.push({ name, file: outfile, bytes: statSync(outfile).size });
  }
  return built;
}

// Run as a script (npm run build), not when imported by the benchmark.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const b of await buildLambdas()) {
    console.log(`${b.name.padEnd(8)} ${(b.bytes / 1024).toFixed(1).padStart(7)} KB  ${path.relative(process.cwd(), b.file)}`);
  }

  // The api function serves the dashboard from `dashboard/` beside its bundle, as the stack ships it.
  const { buildDashboard } = await import('../lib/dashboard/build.ts');
  for (const f of await buildDashboard('dist/api/dashboard')) {
    console.log(`${('dashboard ' + f.name).padEnd(36)} ${(f.bytes / 1024).toFixed(1).padStart(7)} KB  (${(f.gzipBytes / 1024).toFixed(1)} KB gzip)`);
  }
}
