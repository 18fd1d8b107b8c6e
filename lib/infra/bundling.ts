/**
 * How every Lambda function is bundled: the one set of esbuild settings the
 * CDK stack (NodejsFunction) and `npm run build` (lib/bundles.ts) share, so
 * the bundles local mode and the tests run are the ones that ship.
 * Plain data: no CDK or esbuild imports.
 */

/** esbuild banner: lets CommonJS dependencies call `require` inside an ESM bundle. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Where a bundle gets the AWS SDK v3 from: `bundled` into it, or `external`
 * (left to the `@aws-sdk/*` copy the nodejs22.x runtime ships).
 */
export type SdkMode = 'bundled' | 'external';

/**
 * The shipped choice: the SDK is bundled. Measured (BENCHMARKS.md, cold
 * start: SDK bundled vs external), a bundle with the SDK inside imports in
 * roughly a third of the time of the same code resolving the SDK's hundreds
 * of files from node_modules, at ~400 KB more per bundle (~130 KB zipped).
 * It also pins the SDK to package-lock.json: the code runs against the
 * version it was tested with, not whichever one the runtime carries that
 * month, and local mode loads byte-for-byte what Lambda loads.
 */
export const LAMBDA_SDK: SdkMode = 'bundled';

/** Modules esbuild leaves out of a bundle. */
export const externalModules = (sdk: SdkMode): string[] => (sdk === 'external' ? ['@aws-sdk/*'] : []);

/** The esbuild settings both builds use (CDK spells a few differently: `sourceMap`, `externalModules`). */
export const LAMBDA_BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
} as const;
