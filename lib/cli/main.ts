/**
 * `npx billhook …`: the command line for the Billhook HTTP API (local mode or
 * a deployment). Human tables by default, `--json` for scripts. Exit codes:
 * 0 ok, 1 API error (4xx) or invalid signature, 2 usage error, 3 server
 * unreachable, 4 server error (5xx).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { verifyWebhook } from './verify.ts';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  readStdin?: () => Promise<string>;
  sleep?: (ms: number) => Promise<void>;
}

export const EXIT = { ok: 0, api: 1, usage: 2, unreachable: 3, server: 4 } as const;

class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const usage = (message: string, hint = 'billhook --help') => new CliError(EXIT.usage, `${message}\n(see ${hint})`);

const HELP: Record<string, string> = {
  '': `billhook — command line for the Billhook API

Usage: billhook <command> [options]

Commands:
  tenants list | create <name> [--id ten_x] | get <tenant>
  keys create <tenant> | revoke <tenant> <keyId>
  endpoints list <tenant> | create <tenant> <endpoint-url> [--types a.*,b.c] [--description d] [--scheme s] [--retry-schedule 5,300]
            get|delete|secret|rotate|test <tenant> <endpoint> | update <tenant> <endpoint> [--new-url u] [--types] [--enable|--disable]
  events send <tenant> <type> [--data json | --data-file f] [--idempotency-key k] | list <tenant> [--since] [--type] | get <tenant> <event>
  deliveries list <tenant> [--status s] [--endpoint ep] [--event evt] [--all] | show <tenant> <delivery>
  tail <tenant> [--endpoint ep] [--interval 2]    live deliveries until Ctrl+C
  retry <tenant> <delivery>                       send one delivery again now
  recover <tenant> <endpoint> --since <iso|1h|2d> [--until iso] [--wait [--timeout 60]]
  dlq stats | redrive [--max N] [--rate N]
  verify --secret <whsec_…|whpk_…> --header k:v … --body <s>|--body-file f [--scheme hmac-sha256-hex] [--tolerance 300]

Connection: --url (env BILLHOOK_URL, default http://127.0.0.1:3000), --key (env BILLHOOK_KEY,
else .billhook/admin-key in the current folder). Add --json for machine output.

Exit codes: 0 ok, 1 API error or invalid signature, 2 usage error, 3 server unreachable, 4 server error.

Examples:
  billhook tenants create "Acme Corp" --id ten_acme
  billhook endpoints create ten_acme https://acme.example/hooks --types 'invoice.*'
  billhook events send ten_acme invoice.paid --data '{"invoiceId":"inv_1"}'
  billhook deliveries list ten_acme --status failed --json
  billhook recover ten_acme ep_123 --since 2h
  billhook verify --secret whsec_… --header webhook-id:evt_1 --header webhook-timestamp:1700000000 --header 'webhook-signature:v1,…' --body '{…}'`,
};

const GLOBAL: ParseArgsConfig['options'] = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

interface Ctx {
  io: CliIo;
  json: boolean;
  call: <T = any>(method: string, p: string, body?: unknown, headers?: Record<string, string>) => Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)).split('\n')[0]!.slice(0, 60);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

/** `1h`, `30m`, `2d` or an ISO time → ISO time. */
export function parseSince(value: string, now = Date.now()): string {
  const m = /^(\d+)([smhd])$/.exec(value);
  if (m) return new Date(now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd']).toISOString();
  if (Number.isNaN(Date.parse(value))) throw usage(`--since: expected an ISO time or a duration like 2h, got "${value}"`);
  return new Date(value).toISOString();
}

function client(io: CliIo, flags: Record<string, unknown>): Ctx['call'] {
  const base = String(flags.url ?? io.env.BILLHOOK_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  let key = (flags.key as string | undefined) ?? io.env.BILLHOOK_KEY;
  if (!key) {
    const file = path.join(io.cwd, '.billhook', 'admin-key');
    if (existsSync(file)) {
      key = readFileSync(file, 'utf8').trim();
      io.err(`(using the local admin key from ${path.relative(io.cwd, file)})`);
    }
  }
  return async (method, p, body, headers = {}) => {
    let res: Response;
    try {
      res = await fetch(base + p, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new CliError(EXIT.unreachable, `cannot reach ${base} (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}); is it running? Locally: npm start`);
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    if (res.status >= 400) {
      const p2 = (parsed ?? {}) as { title?: string; code?: string; detail?: string; errors?: { path: string; message: string }[] };
      const fields = (p2.errors ?? []).map((f) => `\n  ${f.path}: ${f.message}`).join('');
      throw new CliError(res.status >= 500 ? EXIT.server : EXIT.api, `error: ${p2.title ?? res.status} (${p2.code ?? 'http_' + res.status}): ${p2.detail ?? text}${fields}`);
    }
    return parsed as never;
  };
}

const need = (args: string[], n: number, what: string, cmd: string) => {
  if (args.length < n) throw usage(`missing ${what}`, `billhook ${cmd} --help`);
  return args;
};

function print(ctx: Ctx, value: unknown, human: () => string) {
  ctx.io.out(ctx.json ? JSON.stringify(value, null, 2) : human());
}

async function allPages(ctx: Ctx, p: string, all: boolean): Promise<{ data: Record<string, unknown>[]; nextCursor: string | null }> {
  const sep = p.includes('?') ? '&' : '?';
  let page = await ctx.call<{ data: Record<string, unknown>[]; nextCursor: string | null }>('GET', p);
  const data = [...page.data];
  while (all && page.nextCursor) {
    page = await ctx.call('GET', `${p}${sep}cursor=${encodeURIComponent(page.nextCursor)}`);
    data.push(...page.data);
  }
  return { data, nextCursor: all ? null : page.nextCursor };
}

function progress(io: CliIo, label: string, done: number, total?: number) {
  const bar = total ? `[${'#'.repeat(Math.round((20 * Math.min(done, total)) / Math.max(total, 1))).padEnd(20, '.')}] ${done}/${total}` : `${done}`;
  io.err(`${label} ${bar}`);
}

const COMMANDS: Record<string, (ctx: Ctx, args: string[], flags: Record<string, any>) => Promise<number>> = { // eslint-disable-line @typescript-eslint/no-explicit-any
  async tenants(ctx, [sub, ...a], f) {
    if (sub === 'list') {
      const r = await allPages(ctx, '/v1/tenants?limit=250', true);
      print(ctx, r, () => table(r.data, ['id', 'name', 'createdAt']));
    } else if (sub === 'create') {
      need(a, 1, '<name>', 'tenants');
      const t = await ctx.call('POST', '/v1/tenants', { name: a[0], ...(f.id ? { id: f.id } : {}) });
      print(ctx, t, () => table([t], ['id', 'name', 'createdAt']));
    } else if (sub === 'get') {
      const t = await ctx.call('GET', `/v1/tenants/${need(a, 1, '<tenant>', 'tenants')[0]}`);
      print(ctx, t, () => table([t], ['id', 'name', 'createdAt']));
    } else throw usage(`unknown tenants command "${sub ?? ''}"`);
    return EXIT.ok;
  },
  async keys(ctx, [sub, ...a]) {
    if (sub === 'create') {
      const k = await ctx.call('POST', `/v1/tenants/${need(a, 1, '<tenant>', 'keys')[0]}/api-keys`);
      print(ctx, k, () => `${k.id}\n${k.key}\n(shown once: store it now)`);
    } else if (sub === 'revoke') {
      need(a, 2, '<tenant> <keyId>', 'keys');
      await ctx.call('DELETE', `/v1/tenants/${a[0]}/api-keys/${a[1]}`);
      print(ctx, { revoked: a[1] }, () => `revoked ${a[1]}`);
    } else throw usage(`unknown keys command "${sub ?? ''}"`);
    return EXIT.ok;
  },
  async endpoints(ctx, [sub, ...a], f) {
    const cols = ['id', 'status', 'url', 'eventTypes', 'disabledReason'];
    const t = need(a, 1, '<tenant>', 'endpoints')[0];
    const ep = () => need(a, 2, '<tenant> <endpoint>', 'endpoints')[1];
    const types = f.types ? String(f.types).split(',').map((s: string) => s.trim()) : undefined;
    switch (sub) {
      case 'list': {
        const r = await allPages(ctx, `/v1/tenants/${t}/endpoints?limit=250`, true);
        print(ctx, r, () => table(r.data, cols));
        return EXIT.ok;
      }
      case 'create': {
        const url = need(a, 2, '<tenant> <endpoint-url>', 'endpoints')[1];
        const body = { url, ...(types ? { eventTypes: types } : {}), ...(f.description ? { description: f.description } : {}), ...(f.scheme ? { signatureScheme: f.scheme } : {}), ...(f['retry-schedule'] ? { retrySchedule: String(f['retry-schedule']).split(',').map(Number) } : {}) };
        const e = await ctx.call('POST', `/v1/tenants/${t}/endpoints`, body);
        print(ctx, e, () => table([e], cols));
        return EXIT.ok;
      }
      case 'update': {
        const body = { ...(f['new-url'] ? { url: f['new-url'] } : {}), ...(types ? { eventTypes: types } : {}), ...(f.enable ? { disabled: false } : {}), ...(f.disable ? { disabled: true } : {}) };
        const e = await ctx.call('PATCH', `/v1/tenants/${t}/endpoints/${ep()}`, body);
        print(ctx, e, () => table([e], cols));
        return EXIT.ok;
      }
      case 'get': {
        const e = await ctx.call('GET', `/v1/tenants/${t}/endpoints/${ep()}`);
        print(ctx, e, () => table([e], cols));
        return EXIT.ok;
      }
      case 'delete':
        await ctx.call('DELETE', `/v1/tenants/${t}/endpoints/${ep()}`);
        print(ctx, { deleted: a[1] }, () => `deleted ${a[1]}`);
        return EXIT.ok;
      case 'secret':
      case 'rotate': {
        const s = sub === 'secret' ? await ctx.call('GET', `/v1/tenants/${t}/endpoints/${ep()}/secret`) : await ctx.call('POST', `/v1/tenants/${t}/endpoints/${ep()}/secret/rotate`, {});
        print(ctx, s, () => String(s.secret ?? s.publicKey));
        return EXIT.ok;
      }
      case 'test': {
        const d = await ctx.call('POST', `/v1/tenants/${t}/endpoints/${ep()}/test`, f.type ? { type: f.type } : {});
        print(ctx, d, () => `queued ${d.id} (event ${d.eventId}); follow it with: billhook deliveries show ${t} ${d.id}`);
        return EXIT.ok;
      }
    }
    throw usage(`unknown endpoints command "${sub ?? ''}"`);
  },
  async events(ctx, [sub, ...a], f) {
    const t = need(a, 1, '<tenant>', 'events')[0];
    if (sub === 'send') {
      need(a, 2, '<tenant> <type>', 'events');
      let raw: string = f.data ?? (f['data-file'] ? readFileSync(String(f['data-file']), 'utf8') : '{}');
      if (!f.data && !f['data-file'] && ctx.io.readStdin) raw = (await ctx.io.readStdin()) || '{}';
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch {
        throw usage('--data is not valid JSON', 'billhook events --help');
      }
      const e = await ctx.call('POST', `/v1/tenants/${t}/events`, { type: a[1], data }, f['idempotency-key'] ? { 'idempotency-key': String(f['idempotency-key']) } : {});
      print(ctx, e, () => table([e], ['id', 'type', 'createdAt', 'deliveries']));
    } else if (sub === 'list') {
      const q = new URLSearchParams({ limit: String(f.limit ?? 50), ...(f.since ? { since: parseSince(String(f.since)) } : {}), ...(f.type ? { type: String(f.type) } : {}) });
      const r = await allPages(ctx, `/v1/tenants/${t}/events?${q}`, Boolean(f.all));
      print(ctx, r, () => table(r.data, ['id', 'type', 'createdAt', 'deliveries']));
    } else if (sub === 'get') {
      const e = await ctx.call('GET', `/v1/tenants/${t}/events/${need(a, 2, '<tenant> <event>', 'events')[1]}`);
      print(ctx, e, () => JSON.stringify(e, null, 2));
    } else throw usage(`unknown events command "${sub ?? ''}"`);
    return EXIT.ok;
  },
  async deliveries(ctx, [sub, ...a], f) {
    const t = need(a, 1, '<tenant>', 'deliveries')[0];
    const cols = ['id', 'status', 'lastStatusCode', 'attemptCount', 'eventType', 'endpointId', 'lastAttemptAt'];
    if (sub === 'list') {
      const q = new URLSearchParams({ limit: String(f.limit ?? 50), ...(f.status ? { status: String(f.status) } : {}), ...(f.endpoint ? { endpointId: String(f.endpoint) } : {}), ...(f.event ? { eventId: String(f.event) } : {}) });
      const r = await allPages(ctx, `/v1/tenants/${t}/deliveries?${q}`, Boolean(f.all));
      print(ctx, r, () => table(r.data, cols));
    } else if (sub === 'show') {
      const d = await ctx.call('GET', `/v1/tenants/${t}/deliveries/${need(a, 2, '<tenant> <delivery>', 'deliveries')[1]}`);
      print(ctx, d, () => `${table([d], cols)}\n\n${table(d.attempts.map((x: Record<string, unknown>) => ({ '#': x.attempt, at: x.at, trigger: x.trigger, status: x.statusCode, ms: x.durationMs, error: x.error, response: x.responseBody })), ['#', 'at', 'trigger', 'status', 'ms', 'error', 'response'])}`);
    } else throw usage(`unknown deliveries command "${sub ?? ''}"`);
    return EXIT.ok;
  },
  async tail(ctx, a, f) {
    const t = need(a, 1, '<tenant>', 'tail')[0];
    const seen = new Map<string, string>();
    const sleep = ctx.io.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const rounds = f.rounds ? Number(f.rounds) : Infinity; // for tests
    for (let i = 0; i < rounds; i++) {
      const q = new URLSearchParams({ limit: '50', ...(f.endpoint ? { endpointId: String(f.endpoint) } : {}) });
      const page = await ctx.call<{ data: Record<string, unknown>[] }>('GET', `/v1/tenants/${t}/deliveries?${q}`);
      for (const d of [...page.data].reverse()) {
        const state = `${d.status}/${d.attemptCount}`;
        if (seen.get(d.id as string) === state) continue;
        seen.set(d.id as string, state);
        ctx.io.out(ctx.json ? JSON.stringify(d) : `${d.lastAttemptAt ?? d.createdAt}  ${String(d.status).padEnd(9)} ${String(d.lastStatusCode ?? '-').padEnd(4)} ${d.eventType}  ${d.endpointId}  ${d.id}`);
      }
      if (i + 1 < rounds) await sleep(Number(f.interval ?? 2) * 1000);
    }
    return EXIT.ok;
  },
  async retry(ctx, a) {
    need(a, 2, '<tenant> <delivery>', 'retry');
    const d = await ctx.call('POST', `/v1/tenants/${a[0]}/deliveries/${a[1]}/retry`);
    print(ctx, d, () => `queued a manual attempt of ${d.id}; follow it with: billhook deliveries show ${a[0]} ${d.id}`);
    return EXIT.ok;
  },
  async recover(ctx, a, f) {
    need(a, 2, '<tenant> <endpoint>', 'recover');
    if (!f.since) throw usage('--since is required', 'billhook recover --help');
    const r = await ctx.call('POST', `/v1/tenants/${a[0]}/endpoints/${a[1]}/recover`, { since: parseSince(String(f.since)), ...(f.until ? { until: parseSince(String(f.until)) } : {}) });
    progress(ctx.io, 'recover: queued', r.queued, r.continuing ? undefined : r.queued);
    if (r.continuing) ctx.io.err('recover: more pages are being queued in the background');
    if (f.wait) {
      // Follow the endpoint's failed + exhausted deliveries down to zero (or until they stop moving).
      const sleep = ctx.io.sleep ?? ((ms: number) => new Promise((res) => setTimeout(res, ms)));
      const count = async () => {
        let n = 0;
        for (const status of ['failed', 'exhausted']) n += (await allPages(ctx, `/v1/tenants/${a[0]}/deliveries?endpointId=${a[1]}&status=${status}&limit=250`, true)).data.length;
        return n;
      };
      const deadline = Date.now() + Number(f.timeout ?? 60) * 1000;
      // Deliveries move fast: measure against what was queued (or what is left now, if more are coming).
      let left = await count();
      const start = r.continuing ? Math.max(left, r.queued) : r.queued;
      progress(ctx.io, 'recover: delivered', Math.max(0, start - left), start);
      while (left > 0 && Date.now() < deadline) {
        await sleep(1000);
        left = await count();
        progress(ctx.io, 'recover: delivered', Math.max(0, start - left), start);
      }
      print(ctx, { ...r, remaining: left }, () => `queued ${r.queued}; ${left} still failed or exhausted`);
      return EXIT.ok;
    }
    print(ctx, r, () => `queued ${r.queued} deliveries${r.skipped ? ` (${r.skipped} skipped: event expired)` : ''}${r.continuing ? '; continuing in the background' : ''}`);
    return EXIT.ok;
  },
  async dlq(ctx, [sub], f) {
    if (sub === 'stats') {
      const s = await ctx.call('GET', '/v1/dlq');
      print(ctx, s, () => `${s.approximateMessages} message(s) in the dead-letter queue`);
      return EXIT.ok;
    }
    if (sub !== 'redrive') throw usage(`unknown dlq command "${sub ?? ''}"`);
    const max = Number(f.max ?? 1000);
    const total = { moved: 0, failed: 0, remaining: 0 };
    const start = (await ctx.call('GET', '/v1/dlq')).approximateMessages as number;
    while (total.moved + total.failed < max) {
      const r = await ctx.call('POST', '/v1/dlq/redrive', { max: Math.min(100, max - total.moved - total.failed), ...(f.rate ? { ratePerSecond: Number(f.rate) } : {}) });
      total.moved += r.moved;
      total.failed += r.failed;
      total.remaining = r.remaining;
      progress(ctx.io, 'redrive:', total.moved, Math.min(max, start));
      if (r.moved + r.failed === 0 || r.remaining === 0) break;
    }
    print(ctx, total, () => `moved ${total.moved}, left ${total.failed} unparseable, ${total.remaining} remaining`);
    return EXIT.ok;
  },
  async verify(ctx, _a, f) {
    if (!f.secret) throw usage('--secret is required', 'billhook verify --help');
    const headers: Record<string, string> = f.headers ? JSON.parse(String(f.headers)) : {};
    for (const h of (f.header as string[] | undefined) ?? []) {
      const i = h.indexOf(':');
      if (i < 1) throw usage(`--header must be name:value, got "${h}"`, 'billhook verify --help');
      headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const body = f.body ?? (f['body-file'] ? readFileSync(String(f['body-file']), 'utf8') : undefined);
    if (body === undefined) throw usage('--body or --body-file is required', 'billhook verify --help');
    const r = verifyWebhook({ secret: String(f.secret), headers, body: String(body), scheme: f.scheme ? String(f.scheme) : undefined, toleranceSeconds: Number(f.tolerance ?? 300) });
    print(ctx, r, () => (r.valid ? `valid: ${r.matched} (timestamp ${r.ageSeconds} s old)` : `INVALID: ${r.reason}`));
    return r.valid ? EXIT.ok : EXIT.api;
  },
};

const COMMAND_OPTIONS: ParseArgsConfig['options'] = {
  id: { type: 'string' },
  'new-url': { type: 'string' },
  types: { type: 'string' },
  description: { type: 'string' },
  scheme: { type: 'string' },
  'retry-schedule': { type: 'string' },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  type: { type: 'string' },
  data: { type: 'string' },
  'data-file': { type: 'string' },
  'idempotency-key': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  status: { type: 'string' },
  endpoint: { type: 'string' },
  event: { type: 'string' },
  interval: { type: 'string' },
  rounds: { type: 'string' },
  max: { type: 'string' },
  rate: { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  secret: { type: 'string' },
  header: { type: 'string', multiple: true },
  headers: { type: 'string' },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  tolerance: { type: 'string' },
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...COMMAND_OPTIONS }, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`${(e as Error).message}\n(see billhook --help)`);
    return EXIT.usage;
  }
  const [command, ...args] = parsed.positionals;
  const flags = parsed.values as Record<string, unknown>;
  if (!command || (flags.help && !command)) {
    io.out(HELP['']!);
    return command || flags.help ? EXIT.ok : EXIT.usage;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`unknown command "${command}"\n(see billhook --help)`);
    return EXIT.usage;
  }
  if (flags.help) {
    io.out(HELP['']!.split('\n').filter((l) => l.includes(command) || l.startsWith('Usage') || l.startsWith('Connection') || l.startsWith('Exit')).join('\n'));
    return EXIT.ok;
  }
  try {
    return await run({ io, json: Boolean(flags.json), call: client(io, flags) }, args, flags);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(e.message);
      return e.exitCode;
    }
    io.err(`error: ${(e as Error).message}`);
    return EXIT.api;
  }
}
