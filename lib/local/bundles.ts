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
import type { LocalHandlers } from './system.ts';

/** The bundle of one function in a build folder. */
export const bundleFile = (dir: string, name: string): string => path.join(dir, name, 'index.mjs');

/**
 * Import every function's bundle from `dir` and check it exports `handler`.
 * Call only once the environment is set, as for the sources.
 *
 * @example
 * await startLocal({ bundlesDir: 'dist' }); // uses importBundleHandlers('dist')
 */
export async function importBundleHandlers(dir: string): Promise<LocalHandlers> {
  const handlers: Partial<Record<(typeof LAMBDA_FUNCTIONS)[number], unknown>> = {};
  for (const name of LAMBDA_FUNCTIONS) {
    const file = bundleFile(dir, name);
    try {
      await access(file);
    } catch {
      throw new Error(`no bundle at ${file}: run \`npm run build\` first`);
    }
    const mod = (await import(pathToFileURL(file).href)) as { handler?: unknown };
    if (typeof mod.handler !== 'function') throw new Error(`${file} does not export a function named handler`);
    handlers[name] = mod.handler;
  }
  return handlers as unknown as LocalHandlers;
}
