/** `billhook events …` and `billhook deliveries …`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JsonTextError, memberTexts, minifyJson, prettyJson } from '../../core/json-text.ts';
import { EXIT, usageError } from '../errors.ts';
import { duration, keyValues, parseTime, table } from '../format.ts';
import { apiPath } from '../http.ts';
import type { Command, Ctx, Flags } from '../spec.ts';
import { LIST_OPTIONS, pageQuery, printList, printRecord, str, when, type Row } from './common.ts';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'exhausted', 'skipped'] as const;

const tenantPath = (tenant: string, ...rest: (string | undefined)[]) => apiPath('/v1/tenants', tenant, ...rest);

/**
 * The event data: --data, --data-file (`-` = stdin), else piped stdin, else
 * `{}`; as JSON text, minified but otherwise as written (never parsed and
 * re-serialised, which would round big numbers).
 */
async function readData(ctx: Ctx, flags: Flags): Promise<string> {
  const inline = str(flags, 'data');
  const file = str(flags, 'data-file');
  if (inline !== undefined && file !== undefined) throw usageError('give --data or --data-file, not both', ctx.helpFor);
  let raw: string | undefined = inline;
  let source = '--data';
  if (file !== undefined) {
    source = file === '-' ? 'stdin' : file;
    if (file === '-') raw = (await ctx.io.readStdin?.())?.toString('utf8') ?? '';
    else {
      try {
        raw = readFileSync(path.resolve(ctx.io.cwd, file), 'utf8');
      } catch (e) {
        throw usageError(`--data-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, ctx.helpFor);
      }
    }
  } else if (raw === undefined) {
    const piped = await ctx.io.readStdin?.();
    raw = piped?.toString('utf8');
    source = 'stdin';
  }
  if (raw === undefined || raw.trim() === '') return '{}';
  try {
    return minifyJson(raw).minified;
  } catch (e) {
    // A duplicate key is for the API to refuse (422 duplicate_key, with the path), like any other rule on data.
    if (e instanceof JsonTextError && e.kind !== 'syntax') return raw.trim();
    throw usageError(`the event data from ${source} is not valid JSON (${(e as Error).message})`, ctx.helpFor);
  }
}

const eventColumns = [
  { header: 'ID', value: (e: Row) => e.id },
  { header: 'TYPE', value: (e: Row) => e.type },
  { header: 'CREATED', value: (e: Row) => when(e.createdAt) },
  { header: 'DELIVERIES', value: (e: Row) => e.deliveries, align: 'right' as const },
];

export const events: Command = {
  name: 'events',
  summary: 'Events: what happened in billing; each is routed to the tenant’s subscribed endpoints.',
  subcommands: {
    send: {
      args: ['<tenant>', '<type>'],
      summary: 'Send an event (data from --data, --data-file or piped stdin)',
      options: {
        data: { type: 'string', value: '<json>', desc: 'the event data, a JSON object' },
        'data-file': { type: 'string', value: '<file>', desc: 'read the data from a file (- = stdin)' },
        'idempotency-key': { type: 'string', value: '<key>', desc: 'the same key and body again returns the first answer and sends nothing new' },
        id: { type: 'string', value: '<evt_…>', desc: 'choose the event id (also makes the call idempotent)' },
      },
      notes: 'Without --data or --data-file, the data is read from stdin when something is piped in ({} otherwise).',
      examples: [
        `billhook events send ten_acme invoice.paid --data '{"invoiceId":"inv_1","amount":4200}' --idempotency-key inv_1-paid`,
        'billhook events send ten_acme payment.failed --data-file payment.json',
        'echo \'{"subscriptionId":"sub_9"}\' | billhook events send ten_acme subscription.suspended',
      ],
      async run(ctx, [tenant, type], flags) {
        const data = await readData(ctx, flags);
        const id = str(flags, 'id');
        const key = str(flags, 'idempotency-key');
        const body = `{"type":${JSON.stringify(type)},"data":${data}${id ? `,"id":${JSON.stringify(id)}` : ''}}`;
        const res = await ctx.api().request<Row>('POST', tenantPath(tenant!, 'events'), { rawBody: body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
        const e = res.body;
        const replayed = res.headers.get('idempotent-replayed') === 'true';
        if (ctx.json) ctx.out(JSON.stringify(e, null, 2));
        else {
          ctx.out(`accepted ${String(e.id)} (${String(e.type)}): routed to ${String(e.deliveries)} endpoint${e.deliveries === 1 ? '' : 's'}`);
          if (replayed) ctx.err(ctx.paintErr.yellow('idempotent replay: this key was used before with the same body; nothing new was sent'));
        }
        return EXIT.ok;
      },
    },
    list: {
      args: ['<tenant>'],
      summary: 'List events, oldest first (reconciliation: what was sent, and to how many endpoints)',
      options: {
        since: { type: 'string', value: '<time>', desc: 'only events from this time: ISO, or back from now (30m, 2h, 1d)' },
        type: { type: 'string', value: '<type>', desc: 'only this event type' },
        ...LIST_OPTIONS,
      },
      examples: ['billhook events list ten_acme --since 1h', 'billhook events list ten_acme --type invoice.paid --all --json'],
      async run(ctx, [tenant], flags) {
        const since = str(flags, 'since');
        const query = { ...pageQuery(ctx, flags), since: since === undefined ? undefined : parseTime(since, '--since', ctx.helpFor), type: str(flags, 'type') };
        const { page, text } = await ctx.api().listText<Row>(tenantPath(tenant!, 'events'), query, flags.all === true);
        printList(ctx, page, eventColumns, text);
        return EXIT.ok;
      },
    },
    get: {
      args: ['<tenant>', '<event>'],
      summary: 'Show one event with its data',
      examples: ['billhook events get ten_acme evt_…'],
      async run(ctx, [tenant, event]) {
        const { body: e, text } = await ctx.api().request<Row>('GET', tenantPath(tenant!, 'events', event));
        const { data: _parsed, ...rest } = e;
        const pairs: [string, unknown][] = Object.entries(rest).map(([k, v]) => [k, k.endsWith('At') ? when(v) : v]);
        // The data as the API sent it, pretty-printed from the text: a number is never rounded for display.
        printRecord(ctx, e, pairs, `${ctx.paint.dim('data:')}\n${prettyJson(memberTexts(text).get('data') ?? 'null')}`, text);
        return EXIT.ok;
      },
    },
  },
};

export const deliveryColumns = [
  { header: 'ID', value: (d: Row) => d.id },
  { header: 'STATUS', value: (d: Row) => d.status, status: true },
  { header: 'CODE', value: (d: Row) => d.lastStatusCode, align: 'right' as const },
  { header: 'ATTEMPTS', value: (d: Row) => d.attemptCount, align: 'right' as const },
  { header: 'EVENT TYPE', value: (d: Row) => d.eventType },
  { header: 'ENDPOINT', value: (d: Row) => d.endpointId },
  { header: 'LAST ATTEMPT', value: (d: Row) => when(d.lastAttemptAt) },
  { header: 'NEXT ATTEMPT', value: (d: Row) => when(d.nextAttemptAt) },
];

const attemptColumns = [
  { header: '#', value: (a: Row) => a.attempt, align: 'right' as const },
  { header: 'AT', value: (a: Row) => when(a.at) },
  { header: 'TRIGGER', value: (a: Row) => a.trigger },
  { header: 'CODE', value: (a: Row) => a.statusCode ?? '-', align: 'right' as const },
  { header: 'DURATION', value: (a: Row) => duration(a.durationMs), align: 'right' as const },
  { header: 'ERROR', value: (a: Row) => a.error, max: 40 },
  { header: 'RESPONSE', value: (a: Row) => (typeof a.responseBody === 'string' ? a.responseBody.trim() : undefined), max: 50 },
];

/** `--status failed` checked before asking the server. */
export function statusFlag(ctx: Ctx, flags: Flags): string | undefined {
  const status = str(flags, 'status');
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) throw usageError(`--status: one of ${DELIVERY_STATUSES.join(', ')}; got "${status}"`, ctx.helpFor);
  return status;
}

export const deliveries: Command = {
  name: 'deliveries',
  summary: 'Deliveries: one per event and endpoint, with every attempt logged.',
  subcommands: {
    list: {
      args: ['<tenant>'],
      summary: 'List deliveries, newest first',
      options: {
        status: { type: 'string', value: '<status>', desc: DELIVERY_STATUSES.join(' | ') },
        endpoint: { type: 'string', value: '<ep_…>', desc: 'only this endpoint' },
        event: { type: 'string', value: '<evt_…>', desc: 'only this event' },
        ...LIST_OPTIONS,
      },
      examples: ['billhook deliveries list ten_acme --status failed', 'billhook deliveries list ten_acme --endpoint ep_… --all --json'],
      async run(ctx, [tenant], flags) {
        const query = { ...pageQuery(ctx, flags), status: statusFlag(ctx, flags), endpointId: str(flags, 'endpoint'), eventId: str(flags, 'event') };
        printList(ctx, await ctx.api().list<Row>(tenantPath(tenant!, 'deliveries'), query, flags.all === true), deliveryColumns);
        return EXIT.ok;
      },
    },
    show: {
      args: ['<tenant>', '<delivery>'],
      summary: 'Show one delivery and its attempts (#, time, trigger, status code, duration, error, response)',
      examples: ['billhook deliveries show ten_acme dlv_…'],
      async run(ctx, [tenant, delivery]) {
        const d = await ctx.api().get<Row & { attempts?: Row[] }>(tenantPath(tenant!, 'deliveries', delivery));
        if (ctx.json) {
          ctx.out(JSON.stringify(d, null, 2));
          return EXIT.ok;
        }
        const pairs: [string, unknown][] = [
          ['id', d.id],
          ['status', d.status],
          ['event', `${String(d.eventId)} (${String(d.eventType)})`],
          ['endpoint', d.endpointId],
          ['attempts', d.attemptCount],
          ['lastStatusCode', d.lastStatusCode],
          ['createdAt', when(d.createdAt)],
          ['lastAttemptAt', when(d.lastAttemptAt)],
          ['nextAttemptAt', when(d.nextAttemptAt)],
        ];
        ctx.out(keyValues(pairs, ctx.paint));
        ctx.out('');
        ctx.out(table(d.attempts ?? [], attemptColumns, ctx.paint));
        if (d.status === 'failed' || d.status === 'exhausted') ctx.err(ctx.paintErr.dim(`send it again now: billhook retry ${tenant} ${String(d.id)}`));
        return EXIT.ok;
      },
    },
  },
};
