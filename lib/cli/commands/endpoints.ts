/** `billhook endpoints …`: where a tenant's webhooks go, how they are signed and retried. */
import { CliError, EXIT, usageError } from '../errors.ts';
import { apiPath } from '../http.ts';
import type { Action, Command, Ctx, Flags, Options } from '../spec.ts';
import { headerPairs, LIST_OPTIONS, list, pageQuery, printList, printRecord, retrySchedule, str, when, type Row } from './common.ts';

const SCHEMES = ['standard-webhooks', 'standard-webhooks-ed25519', 'hmac-sha256-hex'] as const;

const endpointPairs = (e: Row): [string, unknown][] => [
  ['id', e.id],
  ['url', e.url],
  ['status', e.status],
  ['disabledReason', e.disabledReason],
  ['eventTypes', e.eventTypes],
  ['description', e.description],
  ['signatureScheme', e.signatureScheme],
  ['retrySchedule', Array.isArray(e.retrySchedule) ? (e.retrySchedule.length ? e.retrySchedule.map((s) => `${String(s)}s`).join(', ') : '(no retries)') : undefined],
  ['rateLimitPerSecond', e.rateLimitPerSecond],
  ['headers', Array.isArray(e.headerNames) && e.headerNames.length ? e.headerNames : undefined],
  ['createdAt', when(e.createdAt)],
  ['updatedAt', when(e.updatedAt)],
];

const NOTE_URL =
  'Here --url is the endpoint URL (as is the <url> argument); the API address comes from --api-url or BILLHOOK_URL.';

/** Options both create and update take. */
const SHARED: Options = {
  types: { type: 'string', value: '<list>', desc: "event types, comma-separated; wildcards allowed: 'invoice.*,payment.failed' (default *)" },
  description: { type: 'string', value: '<text>', desc: 'free text shown in lists' },
  scheme: { type: 'string', value: '<scheme>', desc: `signature scheme: ${SCHEMES.join(' | ')}` },
  'retry-schedule': { type: 'string', value: '<s,s,…>', desc: 'seconds before each retry after the first attempt, e.g. 5,300,1800 (default: the deployment’s)' },
  'rate-limit': { type: 'string', value: '<n>', desc: 'at most n requests per second to this endpoint' },
  header: { type: 'string', multiple: true, value: '<name:value>', desc: 'a custom header sent with every webhook (repeatable)' },
};

/** The body fields create and update have in common, from the flags. */
function commonBody(ctx: Ctx, flags: Flags): Row {
  const scheme = str(flags, 'scheme');
  if (scheme !== undefined && !(SCHEMES as readonly string[]).includes(scheme)) throw usageError(`--scheme: one of ${SCHEMES.join(', ')}; got "${scheme}"`, ctx.helpFor);
  const rate = str(flags, 'rate-limit');
  if (rate !== undefined && !/^\d+$/.test(rate)) throw usageError(`--rate-limit: expected a whole number of requests per second, got "${rate}"`, ctx.helpFor);
  const body: Row = {
    eventTypes: list(str(flags, 'types')),
    description: str(flags, 'description'),
    signatureScheme: scheme,
    retrySchedule: retrySchedule(str(flags, 'retry-schedule'), ctx.helpFor),
    rateLimitPerSecond: rate === undefined ? undefined : Number(rate),
    headers: headerPairs(flags.header as string[] | undefined, ctx.helpFor),
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

const endpointColumns = [
  { header: 'ID', value: (e: Row) => e.id },
  { header: 'STATUS', value: (e: Row) => e.status, status: true },
  { header: 'URL', value: (e: Row) => e.url, max: 70 },
  { header: 'EVENT TYPES', value: (e: Row) => (Array.isArray(e.eventTypes) ? e.eventTypes.join(',') : e.eventTypes), max: 40 },
  { header: 'SCHEME', value: (e: Row) => e.signatureScheme },
  { header: 'DESCRIPTION', value: (e: Row) => e.description || e.disabledReason, max: 40 },
];

const ep = (tenant: string, endpoint?: string, ...rest: string[]) => apiPath('/v1/tenants', tenant, 'endpoints', endpoint, ...rest);

const create: Action = {
  args: ['<tenant>', '[url]'],
  summary: 'Create an endpoint (prints it; the signing secret: endpoints secret)',
  urlIsEndpoint: true,
  options: {
    url: { type: 'string', value: '<url>', desc: 'the endpoint URL (or give it as the second argument)' },
    ...SHARED,
    secret: { type: 'string', value: '<whsec_…>', desc: 'use this signing secret instead of a generated one' },
    disabled: { type: 'boolean', desc: 'create it disabled' },
  },
  notes: NOTE_URL,
  examples: [
    "billhook endpoints create ten_acme https://acme.example/hooks --types 'invoice.*,payment.failed'",
    'billhook endpoints create ten_acme --url https://acme.example/hooks --scheme standard-webhooks-ed25519 --retry-schedule 5,300',
  ],
  async run(ctx, [tenant, positional], flags) {
    const flagUrl = str(flags, 'url');
    if (positional !== undefined && flagUrl !== undefined) {
      throw usageError(`the endpoint URL was given twice ("${positional}" and --url "${flagUrl}"); for the API address use --api-url or BILLHOOK_URL`, ctx.helpFor);
    }
    const url = positional ?? flagUrl;
    if (url === undefined) throw usageError('missing the endpoint URL: billhook endpoints create <tenant> <url> (or --url <url>)', ctx.helpFor);
    const secret = str(flags, 'secret');
    const body = { url, ...commonBody(ctx, flags), ...(secret ? { secret } : {}), ...(flags.disabled ? { disabled: true } : {}) };
    const e = await ctx.api().post<Row>(ep(tenant!), body);
    printRecord(ctx, e, endpointPairs(e));
    if (!ctx.json) ctx.err(ctx.paintErr.dim(`signing secret: billhook endpoints secret ${tenant} ${String(e.id)}   · send a test: billhook endpoints test ${tenant} ${String(e.id)}`));
    return EXIT.ok;
  },
};

const update: Action = {
  args: ['<tenant>', '<endpoint>'],
  summary: 'Change an endpoint: URL, event types, schedule, enable or disable',
  urlIsEndpoint: true,
  options: {
    url: { type: 'string', value: '<url>', desc: 'the new endpoint URL' },
    ...SHARED,
    enable: { type: 'boolean', desc: 'enable it (clears the disabled reason)' },
    disable: { type: 'boolean', desc: 'disable it: its events are logged as skipped' },
  },
  notes: NOTE_URL,
  examples: ["billhook endpoints update ten_acme ep_… --types 'invoice.*'", 'billhook endpoints update ten_acme ep_… --disable', 'billhook endpoints update ten_acme ep_… --url https://new.example/hooks --enable'],
  async run(ctx, [tenant, endpoint], flags) {
    if (flags.enable && flags.disable) throw usageError('--enable and --disable together', ctx.helpFor);
    const url = str(flags, 'url');
    const body = { ...(url ? { url } : {}), ...commonBody(ctx, flags), ...(flags.enable ? { disabled: false } : {}), ...(flags.disable ? { disabled: true } : {}) };
    if (Object.keys(body).length === 0) throw usageError('nothing to change: give --url, --types, --description, --scheme, --retry-schedule, --rate-limit, --header, --enable or --disable', ctx.helpFor);
    const e = await ctx.api().patch<Row>(ep(tenant!, endpoint), body);
    printRecord(ctx, e, endpointPairs(e));
    return EXIT.ok;
  },
};

export const endpoints: Command = {
  name: 'endpoints',
  summary: 'Endpoints: the URLs a tenant’s webhooks go to, with their event types, signature scheme and retry schedule.',
  subcommands: {
    list: {
      args: ['<tenant>'],
      summary: 'List a tenant’s endpoints',
      options: LIST_OPTIONS,
      examples: ['billhook endpoints list ten_acme'],
      async run(ctx, [tenant], flags) {
        printList(ctx, await ctx.api().list<Row>(ep(tenant!), pageQuery(ctx, flags), flags.all === true), endpointColumns);
        return EXIT.ok;
      },
    },
    create,
    get: {
      args: ['<tenant>', '<endpoint>'],
      summary: 'Show one endpoint',
      examples: ['billhook endpoints get ten_acme ep_…'],
      async run(ctx, [tenant, endpoint]) {
        const e = await ctx.api().get<Row>(ep(tenant!, endpoint));
        printRecord(ctx, e, endpointPairs(e));
        return EXIT.ok;
      },
    },
    update,
    delete: {
      args: ['<tenant>', '<endpoint>'],
      summary: 'Delete an endpoint (its delivery log stays until it expires)',
      examples: ['billhook endpoints delete ten_acme ep_…'],
      async run(ctx, [tenant, endpoint]) {
        await ctx.api().delete(ep(tenant!, endpoint));
        if (!ctx.json) ctx.out(`deleted ${endpoint}`);
        return EXIT.ok;
      },
    },
    secret: {
      args: ['<tenant>', '<endpoint>'],
      summary: 'Print the signing secret (whsec_…), or the public key (whpk_…) of an Ed25519 endpoint',
      examples: ['billhook endpoints secret ten_acme ep_…', 'SECRET=$(billhook endpoints secret ten_acme ep_…)'],
      async run(ctx, [tenant, endpoint]) {
        let answer: Row;
        try {
          answer = await ctx.api().get<Row>(ep(tenant!, endpoint, 'secret'));
        } catch (e) {
          // An Ed25519 endpoint has no shared secret: receivers verify with its public key.
          if (!(e instanceof CliError && e.exitCode === EXIT.api && /\(conflict\)/.test(e.message))) throw e;
          answer = await ctx.api().get<Row>(ep(tenant!, endpoint, 'public-key'));
        }
        printSecret(ctx, answer);
        return EXIT.ok;
      },
    },
    rotate: {
      args: ['<tenant>', '<endpoint>'],
      summary: 'Rotate the signing secret (the old one keeps signing beside it for 24 h)',
      options: { secret: { type: 'string', value: '<whsec_…>', desc: 'the new secret (default: generated)' } },
      examples: ['billhook endpoints rotate ten_acme ep_…'],
      async run(ctx, [tenant, endpoint], flags) {
        const secret = str(flags, 'secret');
        const answer = await ctx.api().post<Row>(ep(tenant!, endpoint, 'secret', 'rotate'), secret ? { secret } : {});
        printSecret(ctx, answer);
        if (!ctx.json) ctx.err(ctx.paintErr.dim('The previous secret keeps signing beside the new one for 24 h: update the receiver within that time.'));
        return EXIT.ok;
      },
    },
    test: {
      args: ['<tenant>', '<endpoint>'],
      summary: 'Send a test event to one endpoint through the normal pipeline',
      options: { type: { type: 'string', value: '<type>', desc: 'event type to send (default webhook.test)' } },
      examples: ['billhook endpoints test ten_acme ep_…', 'billhook endpoints test ten_acme ep_… --type invoice.paid'],
      async run(ctx, [tenant, endpoint], flags) {
        const type = str(flags, 'type');
        const d = await ctx.api().post<Row>(ep(tenant!, endpoint, 'test'), type ? { type } : {});
        if (ctx.json) ctx.out(JSON.stringify(d, null, 2));
        else ctx.out(`queued ${String(d.eventType)} as delivery ${String(d.id)} (event ${String(d.eventId)})\nfollow it: billhook deliveries show ${tenant} ${String(d.id)}`);
        return EXIT.ok;
      },
    },
  },
};

/** Just the secret (or public key) on stdout, so `$(billhook endpoints secret …)` works. */
function printSecret(ctx: Ctx, answer: Row): void {
  if (ctx.json) return ctx.out(JSON.stringify(answer, null, 2));
  if (typeof answer.publicKey === 'string') {
    ctx.out(answer.publicKey);
    ctx.err(ctx.paintErr.dim('(Ed25519 public key: receivers verify v1a signatures with it)'));
  } else ctx.out(String(answer.secret));
}
