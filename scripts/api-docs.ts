/**
 * docs/api.md, generated from the route definitions (lib/contract) through the
 * OpenAPI document: `npm run docs:api` writes it; test/unit/api-docs.test.ts
 * fails when the file and the definitions disagree.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../lib/http/openapi.ts';
import { TAGS } from '../lib/contract/index.ts';

type Schema = { type?: string | string[]; format?: string; enum?: unknown[]; const?: unknown; items?: Schema; properties?: Record<string, Schema>; required?: string[]; description?: string; anyOf?: Schema[]; oneOf?: Schema[]; minimum?: number; maximum?: number; minLength?: number; maxLength?: number; pattern?: string; default?: unknown; $ref?: string; additionalProperties?: unknown };
type Op = { summary: string; description?: string; security?: unknown[]; parameters?: { name: string; in: string; required?: boolean; description?: string; schema: Schema }[]; requestBody?: { required: boolean; content: Record<string, { schema: Schema; example?: unknown }> }; responses: Record<string, { description: string; headers?: Record<string, { description: string }>; content?: Record<string, { schema: Schema; example?: unknown }> }>; tags: string[]; operationId: string; 'x-portal-scope'?: 'read' | 'manage' | 'never' };

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: Schema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  const bounds = [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : '', s.maxLength !== undefined ? `≤ ${s.maxLength} chars` : ''].filter(Boolean).join(', ');
  return `${t}${s.format ? ` (${s.format})` : ''}${bounds ? ` (${bounds})` : ''}`;
}

function fields(s: Schema): string[] {
  const props = Object.entries(s.properties ?? {});
  if (!props.length) return [];
  return ['| field | type | required | notes |', '|---|---|---|---|', ...props.map(([name, p]) => `| \`${name}\` | ${typeOf(p)} | ${(s.required ?? []).includes(name) ? 'yes' : ''} | ${esc(p.description ?? '')} |`)];
}

function section(method: string, route: string, op: Op): string[] {
  const auth = op.security?.length === 0 ? 'none (public)' : /admin key/.test(op.description ?? '') ? 'admin key' : route.includes('{tenantId}') ? 'admin key or a key of the tenant' : 'any valid key';
  const portal = op['x-portal-scope'];
  const session = portal === undefined || auth === 'admin key' ? '' : portal === 'never' ? '; portal sessions: no' : `; portal sessions: ${portal === 'read' ? '`read` or `manage`' : '`manage` only'}`;
  const out = [`### \`${method.toUpperCase()} ${route}\``, '', `${op.summary}. Operation \`${op.operationId}\`; auth: ${auth}${session}.`, ''];
  const description = (op.description ?? '').replace(/\n*Needs the admin key\.$/, '');
  if (description) out.push(description, '');
  const params = op.parameters ?? [];
  if (params.length) {
    out.push('| parameter | in | type | required | notes |', '|---|---|---|---|---|');
    for (const p of params) out.push(`| \`${p.name}\` | ${p.in} | ${typeOf(p.schema)} | ${p.required ? 'yes' : ''} | ${esc(p.description ?? p.schema.description ?? '')} |`);
    out.push('');
  }
  const body = op.requestBody?.content['application/json'];
  if (body) {
    out.push(`Body${op.requestBody!.required ? '' : ' (optional)'}:`, '', ...fields(body.schema), '');
    if (body.example !== undefined) out.push('```json', JSON.stringify(body.example), '```', '');
  }
  for (const [status, r] of Object.entries(op.responses)) {
    if (Number(status) >= 400) continue;
    const json = r.content?.['application/json'];
    out.push(`**${status}** ${r.description}.${r.headers ? ` Headers: ${Object.entries(r.headers).map(([h, d]) => `\`${h}\` (${d.description})`).join(', ')}.` : ''}`, '');
    if (json) {
      const item = json.schema.properties?.data?.type === 'array' && 'nextCursor' in (json.schema.properties ?? {}) ? json.schema.properties.data.items! : undefined;
      if (item) out.push('A page `{ data, nextCursor }` of:', '');
      out.push(...fields(item ?? json.schema), '');
      if (json.example !== undefined) out.push('```json', JSON.stringify(json.example), '```', '');
    }
  }
  const errors = Object.entries(op.responses).filter(([s]) => Number(s) >= 400);
  if (errors.length) out.push(`Errors: ${errors.map(([s, r]) => `${s} (${r.description.replace(/^Problem: /, '')})`).join('; ')}.`, '');
  return out;
}

/** The whole reference, as markdown. */
export function apiReference(): string {
  const doc = openApiDocument('v1') as { paths: Record<string, Record<string, Op>> };
  const ops = Object.entries(doc.paths).flatMap(([route, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ route, method, op })));
  const out = [
    '# Billhook HTTP API (v1)',
    '',
    '<!-- Generated from lib/contract by `npm run docs:api`; do not edit (test/unit/api-docs.test.ts checks it). -->',
    '',
    'JSON everywhere; timestamps ISO 8601 UTC; ids prefixed (`ten_`, `ep_`, `evt_`, `dlv_`, `key_`). The same',
    'definitions serve `GET /openapi.json` (OpenAPI 3.1) and the typed client `billhook/client`:',
    '',
    '```ts',
    "import { BillhookClient } from 'billhook/client';",
    "const billhook = new BillhookClient({ baseUrl: 'https://api.example.com', key });",
    "const ep = await billhook.call('createEndpoint', { params: { tenantId: 'ten_acme' }, body: { url: 'https://example.com/hooks' } });",
    '```',
    '',
    '## Auth',
    '',
    '`Authorization: Bearer <key>`: the **admin key** (all routes, all tenants) or a **tenant key**',
    '(`POST /v1/tenants/{tenantId}/api-keys`), which sees and changes only its own tenant; any other',
    'tenant answers 404. Missing or unknown key → 401; a known key on an admin route → 403.',
    '',
    'A **portal session** (`bhps_…`, from `POST /v1/tenants/{tenantId}/portal-sessions`) authenticates the',
    "same way, for one tenant and until it expires. Each route says what a session needs (`x-portal-scope`",
    'in /openapi.json): `read` sessions call GET routes, except the endpoint secret; `manage` sessions call',
    'every tenant route except API keys and portal sessions. Insufficient scope → 403 `forbidden`; an',
    'unknown, expired, revoked or altered session → 401 `session_expired`.',
    '',
    '## Errors',
    '',
    'RFC 9457 `application/problem+json`: `{ type, title, status, detail, code, errors? }` with a stable',
    'machine `code`. Malformed JSON → 400 `invalid_json`; schema violations → 422 `validation_failed`',
    'with the failing fields in `errors`; a key repeated in one object → 422 `duplicate_key`; body over',
    '256 KB → 413 `payload_too_large`; an invalid query parameter → 400 `invalid_query`; an id in the',
    'path that cannot exist → 404 `not_found`. A 5xx is a bug.',
    '',
  ];
  for (const [tag, about] of Object.entries(TAGS)) {
    const mine = ops.filter((o) => o.op.tags.includes(tag));
    if (!mine.length) continue;
    out.push(`## ${tag}`, '', about, '');
    for (const o of mine) out.push(...section(o.method, o.route, o.op));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

export const API_DOCS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'api.md');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) writeFileSync(API_DOCS_PATH, apiReference());
