#!/usr/bin/env -S node --import tsx
/**
 * `npx billhook …` (through bin/billhook-cli.mjs, which registers tsx from this
 * package, so it works from any folder), or `./bin/cli.ts …` from the repo
 * root. The commands live in lib/cli; run with --help.
 */
import { runCli } from '../lib/cli/main.ts';

// `billhook tail --json | head -1`: a closed pipe ends the command quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  async readStdin() {
    if (process.stdin.isTTY) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  },
  onInterrupt(cb) {
    process.on('SIGINT', cb);
    return () => process.off('SIGINT', cb);
  },
});
