/** `tsx bin/build-dashboard.ts [outDir]`: build the dashboard (default dist/dashboard) and print its size. */
import { buildDashboard } from '../lib/dashboard/build.ts';

const outDir = process.argv[2] ?? 'dist/dashboard';
const files = await buildDashboard(outDir);
for (const f of files) console.log(`${f.name.padEnd(28)} ${(f.bytes / 1024).toFixed(1).padStart(7)} KB  (${(f.gzipBytes / 1024).toFixed(1)} KB gzip)`);
