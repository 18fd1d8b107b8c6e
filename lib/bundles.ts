/**
 * Build the Lambda bundles the way the CDK stack does (lib/infra/bundling.ts)
 * into `<outDir>/<name>/index.mjs`, the api's dashboard beside it. Used by
 * `npm run build`, local mode's `--bundles`, the bundle end-to-end test and
 * the cold-start benchmark.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalModules, LAMBDA_BUNDLING, LAMBDA_SDK, type SdkMode } from './infra/bundling.ts';

export const LAMBDA_FUNCTIONS = ['ingest', 'api', 'sender', 'fanout', 'stats'] as const;
export type LambdaFunction = (typeof LAMBDA_FUNCTIONS)[number];

export interface BuiltLambda {
  name: LambdaFunction;
  /** Absolute path of the bundle (its source map sits beside it). */
  file: string;
  /** Bytes of the bundle, source map excluded. */
  bytes: number;
  /** Of which the AWS SDK (`@aws-sdk/*`, `@smithy/*`, `@aws-crypto/*`); with the SDK external, the few `@smithy` helpers bundled anyway. */
  sdkBytes: number;
}

export interface BuildLambdasOptions {
  /** Output folder, absolute or relative to the repository. @default 'dist' */
  outDir?: string;
  /** @default LAMBDA_SDK, what ships */
  sdk?: SdkMode;
  /** Also build the dashboard into `<outDir>/api/dashboard`, as the stack ships it. @default false */
  dashboard?: boolean;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SDK_PATH = /node_modules\/@(aws-sdk|smithy|aws-crypto)\//;

/**
 * Bundle every function. With the SDK external, `outDir` must be inside the
 * repository: the bundles then import `@aws-sdk/*` at run time and Node
 * resolves it from node_modules above them.
 *
 * @example
 * const built = await buildLambdas({ outDir: 'dist', dashboard: true });
 * console.log(built.map((b) => `${b.name} ${b.bytes}`));
 */
export async function buildLambdas(options: BuildLambdasOptions = {}): Promise<BuiltLambda[]> {
  const outDir = path.resolve(REPO_ROOT, options.outDir ?? 'dist');
  const sdk = options.sdk ?? LAMBDA_SDK;
  const built = await Promise.all(
    LAMBDA_FUNCTIONS.map(async (name): Promise<BuiltLambda> => {
      const outfile = path.join(outDir, name, 'index.mjs');
      const result = await build({
        ...LAMBDA_BUNDLING,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        banner: { js: LAMBDA_BUNDLING.banner },
        entryPoints: [path.join(REPO_ROOT, 'lambdas', name, 'handler.ts')],
        outfile,
        bundle: true,
        external: externalModules(sdk),
        metafile: true,
        logLevel: 'warning',
      });
      const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('index.mjs'))![1];
      const sdkBytes = Object.entries(output.inputs).reduce((sum, [input, i]) => sum + (SDK_PATH.test(input) ? i.bytesInOutput : 0), 0);
      return { name, file: outfile, bytes: statSync(outfile).size, sdkBytes };
    }),
  );
  if (options.dashboard) {
    // The api function serves the dashboard from `dashboard/` beside its bundle.
    const { buildDashboard } = await import('./dashboard/build.ts');
    await buildDashboard(path.join(outDir, 'api', 'dashboard'));
  }
  return built;
}
