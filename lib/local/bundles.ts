/**
 * Local mode on the built bundles (`npm start -- --bundles`, or
 * BILLHOOK_BUNDLES=1): the handlers are imported from
 * `<dir>/<name>/index.mjs`, the files `npm run build` writes with the
 * stack's bundling settings, instead of the TypeScript sources. The shim,
 * pollers and emulators stay the same.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAMBDA_FUNCTIONS } from '../bundles.ts';
import type { Config } from '../config.ts';
import { handlersFrom, type HandlerModule, type LocalHandlers } from './system.ts';

/** The bundle of one function in a build folder. */
export const bundleFile = (dir: string, name: string): string => path.join(dir, name, 'index.mjs');

/**
 * Import every function's bundle from `dir` and build it for `config` with
 * the bundle's own `createHandler` (what its Lambda `handler` calls with
 * `loadConfig(process.env)`), so bundles, like the sources, need no
 * environment of the process.
 *
 * @example
 * await startLocal({ bundlesDir: 'dist' }); // uses importBundleHandlers('dist', config)
 */
export async function importBundleHandlers(dir: string, config: Config): Promise<LocalHandlers> {
  for (const name of LAMBDA_FUNCTIONS) {
    try {
      await access(bundleFile(dir, name));
    } catch {
      throw new Error(`no bundle at ${bundleFile(dir, name)}: run \`npm run build\` first`);
    }
  }
  return handlersFrom(async (name) => (await import(pathToFileURL(bundleFile(dir, name)).href)) as HandlerModule, (name) => bundleFile(dir, name), config);
}
