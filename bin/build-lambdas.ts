/**
 * `npm run build`: bundle each Lambda handler exactly as the CDK stack does
 * (lib/bundles.ts, settings in lib/infra/bundling.ts) into
 * dist/<name>/index.mjs, with the dashboard beside the api bundle, and print
 * each bundle's size. `npm start -- --bundles` then runs these files.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLambdas } from '../lib/bundles.ts';

export { buildLambdas, LAMBDA_FUNCTIONS, type BuiltLambda, type LambdaFunction } from '../lib/bundles.ts';

// Run as a script (npm run build), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const kb = (n: number) => (n / 1024).toFixed(1).padStart(7);
  for (const b of await buildLambdas({ dashboard: true })) {
    console.log(`${b.name.padEnd(8)} ${kb(b.bytes)} KB (AWS SDK ${kb(b.sdkBytes).trim()} KB)  ${path.relative(process.cwd(), b.file)}`);
  }
  console.log(`dashboard          ${path.relative(process.cwd(), path.resolve('dist/api/dashboard'))}`);
}
