import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API } from '../../lib/contract/index.ts';
import { API_DOCS_PATH, apiReference } from '../../scripts/api-docs.ts';

describe('docs/api.md', () => {
  it('is what the route definitions generate (run `npm run docs:api` after changing a route)', () => {
    expect(readFileSync(API_DOCS_PATH, 'utf8')).toBe(apiReference());
  });

  it('documents every route', () => {
    const text = readFileSync(API_DOCS_PATH, 'utf8');
    for (const def of Object.values(API)) expect(text, `${def.method} ${def.path}`).toContain(`### \`${def.method} ${def.path}\``);
  });
});
