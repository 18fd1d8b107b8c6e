/**
 * Writes the OpenAPI document the API serves at /openapi.json to a file
 * (default dist/openapi.json), for linters and client generators:
 * `tsx scripts/openapi.ts out.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../lib/http/openapi.ts';
import pkg from '../package.json' with { type: 'json' };

const out = process.argv[2] ?? 'dist/openapi.json';
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(openApiDocument(pkg.version), null, 2) + '\n');
