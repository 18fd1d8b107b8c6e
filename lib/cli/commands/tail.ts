/** `billhook tail`: live deliveries, by polling the newest page of the deliveries list. */
import { CliError, EXIT } from '../errors.ts';
import { parseNumber } from '../format.ts';
import { apiPath } from '../http.ts';
import type { Command, Ctx } from '../spec.ts';
import { str, type Row } from './common.ts';
import { statusFlag } from './events.ts';

const PAGE = 100;
/** Deliveries shown from before the tail started. */
const BACKLOG = 10;

const WIDTHS = { time: 8, id: 30, status: 9, code: 4, type: 26 };

function header(ctx: Ctx): string {
  const h = ['TIME'.padEnd(WIDTHS.time), 'ID'.padEnd(WIDTHS.id), 'STATUS'.padEnd(WIDTHS.status), 'CODE'.padStart(WIDTHS.code), 'EVENT TYPE'.padEnd(WIDTHS.type), 'ENDPOINT'].join('  ');
  return ctx.paint.bold(h);
}

function line(ctx: Ctx, d: Row): string {
  const at = String(d.lastAttemptAt ?? d.createdAt ?? '').slice(11, 19);
  return [
    at.padEnd(WIDTHS.time),
    String(d.id).padEnd(WIDTHS.id),
    ctx.paint.status(String(d.status).padEnd(WIDTHS.status)),
    String(d.lastStatusCode ?? '-').padStart(WIDTHS.code),
    String(d.eventType).padEnd(WIDTHS.type),
    String(d.endpointId),
  ].join('  ');
}

/** What makes a delivery "changed": status, attempts, last code. */
const stateOf = (d: Row) => `${String(d.status)}|${String(d.attemptCount)}|${String(d.lastStatusCode)}`;

export const tail: Command = {
  name: 'tail',
  summary: 'Live deliveries: prints new and changed ones until Ctrl+C',
  action: {
    args: ['<tenant>'],
    summary: 'Live deliveries: prints each new or changed delivery (time, id, status, code, event type, endpoint) until Ctrl+C',
    options: {
      endpoint: { type: 'string', value: '<ep_…>', desc: 'only this endpoint' },
      status: { type: 'string', value: '<status>', desc: 'only deliveries now in this status' },
      interval: { type: 'string', value: '<seconds>', desc: 'poll every n seconds (default 2)' },
    },
    notes: `Shows the last ${BACKLOG} deliveries first, then follows the newest ${PAGE} each poll. --json prints one delivery object per line.`,
    examples: ['billhook tail ten_acme', 'billhook tail ten_acme --endpoint ep_… --interval 1', "billhook tail ten_acme --json | jq -r 'select(.status==\"exhausted\") | .id'"],
    async run(ctx, [tenant], flags) {
      const intervalMs = parseNumber(str(flags, 'interval') ?? '2', '--interval', ctx.helpFor, { min: 0.05, max: 3600 })! * 1000;
      const query = { limit: String(PAGE), endpointId: str(flags, 'endpoint'), status: statusFlag(ctx, flags) };
      const api = ctx.api();
      let stopped = false;
      let wake = () => {};
      const unsubscribe = ctx.io.onInterrupt?.(() => {
        stopped = true;
        wake();
      });
      const seen = new Map<string, string>();
      let first = true;
      let lost = false;
      try {
        if (!ctx.json) ctx.out(header(ctx));
        while (!stopped) {
          let page: { data: Row[] } | undefined;
          try {
            page = await api.get<{ data: Row[] }>(apiPath('/v1/tenants', tenant, 'deliveries'), query);
            if (lost) ctx.err(ctx.paintErr.green('(connection back)'));
            lost = false;
          } catch (e) {
            // A live view rides out a restart of the server; anything else (bad tenant, bad key) ends it.
            if (first || !(e instanceof CliError) || (e.exitCode !== EXIT.unreachable && e.exitCode !== EXIT.server)) throw e;
            if (!lost) ctx.err(ctx.paintErr.yellow(`(${e.message.split('\n')[0]!.replace(/^error: /, '')}; retrying every ${intervalMs / 1000} s)`));
            lost = true;
          }
          if (page && !stopped) {
            const rows = [...page.data].reverse(); // oldest first
            const current = new Map(rows.map((d) => [String(d.id), stateOf(d)]));
            const shown = first ? rows.slice(-BACKLOG) : rows.filter((d) => seen.get(String(d.id)) !== stateOf(d));
            for (const d of shown) ctx.out(ctx.json ? JSON.stringify(d) : line(ctx, d));
            // Only the page matters next time: a delivery that left it (older than the newest PAGE) cannot come back.
            seen.clear();
            for (const [k, v] of current) seen.set(k, v);
            first = false;
          }
          if (stopped) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, intervalMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } finally {
        unsubscribe?.();
      }
      return EXIT.ok;
    },
  },
};
