/** `billhook verify`: check a received webhook's signature locally (no server, no key). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, usageError } from '../errors.ts';
import { age, parseNumber } from '../format.ts';
import type { Command, Ctx, Flags } from '../spec.ts';
import { BadSecretError, VERIFY_SCHEMES, verifyWebhook, type VerifyResult, type VerifyScheme } from '../verify.ts';
import { str } from './common.ts';

/** `--headers`: a JSON object, or `name: value` lines as copied from a request dump; then each `--header name:value`. */
function readHeaders(ctx: Ctx, flags: Flags): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const block = str(flags, 'headers');
  if (block !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(block);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw usageError('--headers: expected a JSON object of header names to values', ctx.helpFor);
      for (const [k, v] of Object.entries(parsed)) headers[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
    } else {
      for (const line of block.split(/\r?\n/).filter((l) => l.trim())) {
        const i = line.indexOf(':');
        if (i < 1) throw usageError(`--headers: expected a JSON object or "name: value" lines, got "${line.slice(0, 60)}"`, ctx.helpFor);
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
    }
  }
  for (const h of (flags.header as string[] | undefined) ?? []) {
    const i = h.indexOf(':');
    if (i < 1) throw usageError(`--header: expected name:value, got "${h}"`, ctx.helpFor);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return headers;
}

async function readBody(ctx: Ctx, flags: Flags): Promise<Buffer> {
  const inline = str(flags, 'body');
  const file = str(flags, 'body-file');
  if (inline !== undefined && file !== undefined) throw usageError('give --body or --body-file, not both', ctx.helpFor);
  if (inline !== undefined) return Buffer.from(inline, 'utf8');
  if (file === undefined) throw usageError('missing the body: --body <string> or --body-file <file> (- = stdin), byte for byte as received', ctx.helpFor);
  if (file === '-') return (await ctx.io.readStdin?.()) ?? Buffer.alloc(0);
  try {
    return readFileSync(path.resolve(ctx.io.cwd, file));
  } catch (e) {
    throw usageError(`--body-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, ctx.helpFor);
  }
}

function describe(ctx: Ctx, r: VerifyResult): string[] {
  const p = ctx.paint;
  const lines: string[] = [];
  const name = { v1: 'v1, HMAC-SHA256', v1a: 'v1a, Ed25519', hex: 'x-signature, hex HMAC-SHA256' };
  if (r.valid) lines.push(`${p.green('valid')}: signature ${r.matched!.index} of ${r.matched!.of} matched (${name[r.matched!.version]})`);
  else {
    lines.push(`${p.red('invalid')}: ${r.reason ?? 'no match'}`);
    if (r.matched) lines.push(`signature: ${r.matched.index} of ${r.matched.of} matched (${name[r.matched.version]})`);
  }
  if (r.webhookId) lines.push(`webhook-id: ${r.webhookId}`);
  if (r.timestamp !== undefined) {
    const iso = new Date(r.timestamp * 1000).toISOString().replace(/\.000Z$/, 'Z');
    const window = r.timestampValid === undefined ? 'not signed by this scheme' : `tolerance ${r.toleranceSeconds} s${r.timestampValid ? '' : ': ' + p.red('outside')}`;
    lines.push(`timestamp: ${r.timestamp} (${iso}, ${age(r.ageSeconds!)}; ${window})`);
  }
  if (r.hint) lines.push(p.yellow(`hint: ${r.hint}`));
  return lines;
}

export const verify: Command = {
  name: 'verify',
  summary: 'Check a received webhook’s signature locally (v1 HMAC, v1a Ed25519, or hex)',
  action: {
    args: [],
    summary: 'Check a received webhook’s signature locally, without a server: which signature matched and how old the timestamp is',
    options: {
      secret: { type: 'string', value: '<whsec_…|whpk_…>', desc: 'the endpoint’s secret (v1) or Ed25519 public key (v1a); the scheme follows from the prefix' },
      headers: { type: 'string', value: '<json>', desc: 'the request headers: a JSON object (or "name: value" lines)' },
      header: { type: 'string', multiple: true, value: '<name:value>', desc: 'one request header (repeatable; wins over --headers)' },
      body: { type: 'string', value: '<string>', desc: 'the raw request body' },
      'body-file': { type: 'string', value: '<file>', desc: 'read the raw body from a file, byte for byte (- = stdin)' },
      scheme: { type: 'string', value: '<scheme>', desc: `${VERIFY_SCHEMES.join(' | ')} (hmac-sha256-hex checks x-signature)` },
      tolerance: { type: 'string', value: '<seconds>', desc: 'how far the webhook-timestamp may be from now (default 300)' },
    },
    notes: 'Exit 0 when valid; 1 when the signature does not match or the timestamp is outside the tolerance.',
    examples: [
      `billhook verify --secret whsec_… --headers '{"webhook-id":"evt_…","webhook-timestamp":"1767225600","webhook-signature":"v1,…"}' --body-file body.json`,
      "billhook verify --secret whpk_… --header webhook-id:evt_… --header webhook-timestamp:1767225600 --header 'webhook-signature:v1a,…' --body '{…}'",
      'billhook verify --scheme hmac-sha256-hex --secret "$SECRET" --header x-signature:3f2a… --body-file body.json',
    ],
    async run(ctx, _args, flags) {
      const secret = str(flags, 'secret');
      if (!secret) throw usageError('missing --secret (the endpoint’s whsec_… secret, or whpk_… public key for v1a)', ctx.helpFor);
      const scheme = str(flags, 'scheme');
      if (scheme !== undefined && !(VERIFY_SCHEMES as readonly string[]).includes(scheme)) throw usageError(`--scheme: one of ${VERIFY_SCHEMES.join(', ')}; got "${scheme}"`, ctx.helpFor);
      const toleranceSeconds = parseNumber(str(flags, 'tolerance') ?? '300', '--tolerance', ctx.helpFor, { min: 0 })!;
      const headers = readHeaders(ctx, flags);
      const body = await readBody(ctx, flags);
      let result: VerifyResult;
      try {
        result = verifyWebhook({ secret, headers, body, toleranceSeconds, ...(scheme ? { scheme: scheme as VerifyScheme } : {}) });
      } catch (e) {
        if (e instanceof BadSecretError) throw usageError(`--secret: ${e.message}`, ctx.helpFor);
        throw e;
      }
      if (ctx.json) {
        const { valid, signatureValid, ...rest } = result;
        ctx.out(JSON.stringify({ valid, signatureValid, ...rest }, null, 2));
      } else for (const l of describe(ctx, result)) ctx.out(l);
      return result.valid ? EXIT.ok : EXIT.api;
    },
  },
};
