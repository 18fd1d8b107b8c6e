#!/usr/bin/env -S npx tsx
/** `npx billhook …`: see lib/cli/main.ts, or run with --help. */
import { runCli } from '../lib/cli/main.ts';

const readStdin = async (): Promise<string> => {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

process.exitCode = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  env: process.env,
  cwd: process.cwd(),
  readStdin,
});
