import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBDA_FUNCTIONS } from '../../lib/bundles.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { importBundleHandlers } from '../../lib/local/bundles.ts';
import { bundlesDirFrom } from '../../lib/local/main.ts';

describe('bundlesDirFrom', () => {
  it.each([
    [{}, [], undefined],
    [{}, ['--bundles'], '/repo/dist'],
    [{}, ['--bundles=build/out'], '/repo/build/out'],
    [{ BILLHOOK_BUNDLES: '1' }, [], '/repo/dist'],
    [{ BILLHOOK_BUNDLES: 'true' }, [], '/repo/dist'],
    [{ BILLHOOK_BUNDLES: '/abs/bundles' }, [], '/abs/bundles'],
    [{ BILLHOOK_BUNDLES: '0' }, [], undefined],
    [{ BILLHOOK_BUNDLES: '0' }, ['--bundles'], '/repo/dist'],
  ])('env %j, argv %j → %s', (env, argv, expected) => {
    expect(bundlesDirFrom(env, argv, '/repo')).toBe(expected);
  });

  it('refuses an unknown option instead of ignoring it', () => {
    expect(() => bundlesDirFrom({}, ['--bundle'], '/repo')).toThrow(/unknown option --bundle/);
  });
});

describe('importBundleHandlers', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('builds every function with the createHandler of <dir>/<name>/index.mjs', async () => {
    // Arrange
    const dir = await mkdtemp(path.join(tmpdir(), 'billhook-fake-bundles-'));
    dirs.push(dir);
    for (const name of LAMBDA_FUNCTIONS) {
      await mkdir(path.join(dir, name), { recursive: true });
      await writeFile(path.join(dir, name, 'index.mjs'), `export const createHandler = (config) => async () => [${JSON.stringify(name)}, config.region];`);
    }
    // Act
    const handlers = await importBundleHandlers(dir, { ...DEFAULT_CONFIG, region: 'eu-west-3' });
    // Assert: each bundle's factory got the configuration
    for (const name of LAMBDA_FUNCTIONS) expect(await (handlers[name] as unknown as () => Promise<unknown>)()).toEqual([name, 'eu-west-3']);
  });

  it('says to run the build when a bundle is missing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'billhook-no-bundles-'));
    dirs.push(dir);
    await expect(importBundleHandlers(dir, DEFAULT_CONFIG)).rejects.toThrow(/no bundle at .*ingest.*npm run build/);
  });
});
