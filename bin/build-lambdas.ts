/**
 * Bundle each Lambda handler the way the CDK stack does (esbuild, minified
 * ESM for Node 22, AWS SDK left to the runtime) into dist/<name>/index.mjs,
 * and print each bundle's size.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const FUNCTIONS = ['ingest', 'api', 'sender', 'fanout'] as const;

for (const name of FUNCTIONS) {
  const outfile = `dist/${name}/index.mjs`;
  await build({
    entryPoints: [`lambdas/${name}/handler.ts`],
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
  console.log(`${name.padEnd(8)} ${(statSync(outfile).size / 1024).toFixed(1).padStart(7)} KB  ${outfile}`);
}
