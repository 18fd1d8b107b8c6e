import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BillhookClient } from 'billhook/client';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every module the client loads, following relative imports from lib/client/index.ts. */
function moduleGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const m of readFileSync(entry, 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) moduleGraph(path.resolve(path.dirname(entry), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('billhook/client', () => {
  it('is exported by the package', () => {
    expect(new BillhookClient({ baseUrl: 'http://x' }).baseUrl).toBe('http://x');
  });

  it('is browser-safe: no node: modules and no Buffer anywhere in what it loads', () => {
    const graph = [...moduleGraph(path.join(ROOT, 'lib/client/index.ts'))];
    expect(graph.filter((m) => m.startsWith('node:'))).toEqual([]);
    expect(graph.filter((m) => !m.startsWith('/') && !m.startsWith('zod'))).toEqual([]);
    for (const file of graph.filter((m) => m.startsWith('/'))) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\bBuffer\.|\bprocess\.env/);
  });
});
