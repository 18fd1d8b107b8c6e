/**
 * npm run bench [-- --smoke | --full] [--label "Name"] [--out FILE | --no-write]
 *
 * Runs the benchmark, prints the figures with their targets, and writes the
 * run into BENCHMARKS.md as the section named by --label (default "Latest
 * run"). A MISS is a finding, not a failure: the exit code is non-zero only
 * when the run itself went wrong. --smoke prints only, unless --out is given.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench, type BenchMode } from './bench-lib.ts';
import { formatReport, renderMethod, renderSection, updateBenchmarksFile } from './report.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    label: { type: 'string', default: 'Latest run' },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log('usage: npm run bench [-- --smoke | --full] [--label "Name"] [--out FILE | --no-write]');
  process.exit(0);
}
if (values.smoke && values.full) {
  console.error('--smoke and --full exclude each other');
  process.exit(2);
}

const mode: BenchMode = values.smoke ? 'smoke' : values.full ? 'full' : 'default';
const out = values['no-write'] ? undefined : (values.out ?? (mode === 'smoke' ? undefined : 'BENCHMARKS.md'));

try {
  const report = await runBench({ mode, log: (line) => console.error(`[bench] ${line}`) });
  console.log(formatReport(report));
  if (out) {
    const file = path.resolve(out);
    const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    await writeFile(file, updateBenchmarksFile(existing, renderMethod(report), values.label, renderSection(report, values.label)));
    console.error(`[bench] wrote section "${values.label}" of ${path.relative(process.cwd(), file)}`);
  }
  if (report.problems.length > 0) {
    console.error(`[bench] the run had ${report.problems.length} problem(s); see above`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
