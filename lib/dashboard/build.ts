/**
 * Builds the dashboard: one minified ES module and one stylesheet with
 * content-hashed names, and an index.html that loads them. Nothing is fetched
 * from elsewhere at run time, so the page works under a `'self'`-only CSP.
 */
import { build } from 'esbuild';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ui');

export interface BuiltFile {
  /** Path inside the output folder, e.g. `assets/app-3FQ2.js`. */
  name: string;
  bytes: number;
  gzipBytes: number;
}

/** The page shell. Asset names are hashed, so the shell is the only file that must never be cached. */
export function indexHtml(script: string, stylesheet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Billhook dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/${stylesheet}">
<script type="module" src="/dashboard/${script}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the Billhook dashboard…</p></div>
<noscript>The Billhook dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * Build the dashboard into `outDir` (emptied first).
 *
 * @example await buildDashboard('dist/dashboard') // → [{ name: 'index.html', … }, { name: 'assets/app-….js', … }, …]
 */
export async function buildDashboard(outDir: string, options: { minify?: boolean } = {}): Promise<BuiltFile[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(UI_DIR, 'main.tsx') },
    outdir: path.join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: options.minify ?? true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => path.relative(outDir, p).split(path.sep).join('/'));
  const script = outputs.find((o) => o.endsWith('.js'));
  const stylesheet = outputs.find((o) => o.endsWith('.css'));
  if (!script || !stylesheet) throw new Error(`dashboard build: expected a .js and a .css output, got ${outputs.join(', ')}`);
  await writeFile(path.join(outDir, 'index.html'), indexHtml(script, stylesheet));
  const files: BuiltFile[] = [];
  for (const name of ['index.html', ...(await readdir(path.join(outDir, 'assets'))).map((f) => `assets/${f}`)]) {
    const body = await readFile(path.join(outDir, name));
    files.push({ name, bytes: body.length, gzipBytes: gzipSync(body).length });
  }
  return files;
}
