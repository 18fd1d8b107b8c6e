/**
 * `billhook retry`, `billhook recover` and `billhook dlq …`: sending
 * deliveries again, with progress on stderr while the server works.
 */
import { EXIT, usageError } from '../errors.ts';
import { parseNumber, parseTime, Progress, table } from '../format.ts';
import { apiPath, type ApiClient, type Page } from '../http.ts';
import type { Command, Ctx } from '../spec.ts';
import { str, when, type Row } from './common.ts';

/** Polls without a decrease after which a recover is taken as finished (what is left keeps failing). */
const STALL_POLLS = 5;
/** Most deliveries a recover progress count pages through per status. */
const COUNT_CAP = 5000;
/** Largest DLQ chunk per redrive call; with a rate, at most ~20 s of work per call (API Gateway gives up at 30 s). */
const REDRIVE_CHUNK = 100;

/** Run `body` with Ctrl+C turned into `stopped = true` (and an early wake from `sleep`) instead of killing the process. */
async function interruptible<T>(ctx: Ctx, body: (state: { stopped: boolean; sleep: (ms: number) => Promise<void> }) => Promise<T>): Promise<T> {
  let wake = () => {};
  const state = {
    stopped: false,
    sleep: (ms: number) =>
      state.stopped
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
  };
  const unsubscribe = ctx.io.onInterrupt?.(() => {
    state.stopped = true;
    wake();
  });
  try {
    return await body(state);
  } finally {
    unsubscribe?.();
  }
}

/** Failed + exhausted deliveries of one endpoint created in the window (newest first, so paging stops at `since`). */
async function countFailing(api: ApiClient, tenant: string, endpoint: string, since: string, until: string | undefined): Promise<number> {
  let n = 0;
  for (const status of ['failed', 'exhausted']) {
    let cursor: string | undefined;
    let counted = 0;
    do {
      const page: Page<Row> = await api.get(apiPath('/v1/tenants', tenant, 'deliveries'), { endpointId: endpoint, status, limit: '250', cursor });
      for (const d of page.data) {
        const at = String(d.createdAt);
        if (at >= since && (until === undefined || at <= until)) counted++;
      }
      const oldest = page.data.at(-1)?.createdAt;
      cursor = page.nextCursor && !(typeof oldest === 'string' && oldest < since) ? page.nextCursor : undefined;
    } while (cursor && counted < COUNT_CAP);
    n += counted;
  }
  return n;
}

export const retry: Command = {
  name: 'retry',
  summary: 'Send one delivery again now (trigger manual)',
  action: {
    args: ['<tenant>', '<delivery>'],
    summary: 'Send one delivery again now: a new attempt with trigger manual (POST …/deliveries/{id}/retry)',
    options: {
      wait: { type: 'boolean', desc: 'wait for the attempt and print its outcome' },
      timeout: { type: 'string', value: '<seconds>', desc: 'with --wait: give up after this long (default 30)' },
    },
    examples: ['billhook retry ten_acme dlv_…', 'billhook retry ten_acme dlv_… --wait'],
    async run(ctx, [tenant, delivery], flags) {
      const timeoutMs = parseNumber(str(flags, 'timeout') ?? '30', '--timeout', ctx.helpFor, { min: 1, max: 3600 })! * 1000;
      const api = ctx.api();
      const d = await api.post<Row>(apiPath('/v1/tenants', tenant, 'deliveries', delivery, 'retry'));
      if (ctx.json) ctx.out(JSON.stringify(d, null, 2));
      else ctx.out(`queued a manual attempt of ${String(d.id)} (${String(d.eventType)} → ${String(d.endpointId)}; ${String(d.attemptCount)} attempt${d.attemptCount === 1 ? '' : 's'} so far)`);
      if (!flags.wait) {
        if (!ctx.json) ctx.err(ctx.paintErr.dim(`follow it: billhook deliveries show ${tenant} ${String(d.id)}`));
        return EXIT.ok;
      }
      const before = Number(d.attemptCount ?? 0);
      const deadline = Date.now() + timeoutMs;
      return interruptible(ctx, async (state) => {
        while (!state.stopped && Date.now() < deadline) {
          const now = await api.get<Row & { attempts: Row[] }>(apiPath('/v1/tenants', tenant, 'deliveries', delivery));
          if (Number(now.attemptCount) > before) {
            const a = now.attempts.at(-1) ?? {};
            if (!ctx.json)
              ctx.out(
                `attempt ${String(a.attempt)} at ${when(a.at)}: ${ctx.paint.status(String(now.status))}${a.statusCode === undefined ? '' : `, HTTP ${String(a.statusCode)}`}${a.error ? `, ${String(a.error)}` : ''}`,
              );
            return EXIT.ok;
          }
          await state.sleep(500);
        }
        ctx.err(`no new attempt recorded yet; the attempt is queued: billhook deliveries show ${tenant} ${String(d.id)}`);
        return EXIT.ok;
      });
    },
  },
};

export const recover: Command = {
  name: 'recover',
  summary: 'Re-send an endpoint’s failed and exhausted deliveries in a time window, with progress',
  action: {
    args: ['<tenant>', '<endpoint>'],
    summary: 'Re-send every failed or exhausted delivery of an endpoint created in a time window, then follow them until they are delivered',
    options: {
      since: { type: 'string', value: '<time>', desc: 'start of the window (required): ISO time or back from now (30m, 2h, 2d)' },
      until: { type: 'string', value: '<time>', desc: 'end of the window (default now)' },
      timeout: { type: 'string', value: '<seconds>', desc: 'stop following after this long (default 60); the recover itself goes on' },
      interval: { type: 'string', value: '<seconds>', desc: 'poll every n seconds (default 2)' },
      'no-wait': { type: 'boolean', desc: 'do not follow: print the answer and exit' },
      wait: { type: 'boolean', hidden: true, desc: 'follow (the default; kept for scripts written before)' },
    },
    notes:
      'After the server answers 202 {queued, continuing}, a progress bar on stderr follows the endpoint’s failed and exhausted deliveries in the\n' +
      `window until none is left, or until they stop decreasing for ${STALL_POLLS} polls (the endpoint still fails), or until --timeout.`,
    examples: ['billhook recover ten_acme ep_… --since 2h', 'billhook recover ten_acme ep_… --since 2026-01-31T08:00:00Z --until 2026-01-31T12:00:00Z --timeout 300'],
    async run(ctx, [tenant, endpoint], flags) {
      const sinceFlag = str(flags, 'since');
      if (sinceFlag === undefined) throw usageError('--since is required (e.g. --since 2h or --since 2026-01-31T08:00:00Z)', ctx.helpFor);
      const since = parseTime(sinceFlag, '--since', ctx.helpFor);
      const untilFlag = str(flags, 'until');
      const until = untilFlag === undefined ? undefined : parseTime(untilFlag, '--until', ctx.helpFor);
      if (until !== undefined && until < since) throw usageError(`--until (${until}) is before --since (${since})`, ctx.helpFor);
      const timeoutMs = parseNumber(str(flags, 'timeout') ?? '60', '--timeout', ctx.helpFor, { min: 0, max: 86_400 })! * 1000;
      const intervalMs = parseNumber(str(flags, 'interval') ?? '2', '--interval', ctx.helpFor, { min: 0.01, max: 600 })! * 1000;
      const api = ctx.api();
      const r = await api.post<{ queued: number; skipped?: number; continuing?: boolean }>(apiPath('/v1/tenants', tenant, 'endpoints', endpoint, 'recover'), { since, ...(until ? { until } : {}) });
      const skipped = r.skipped ?? 0;
      if (ctx.json) ctx.out(JSON.stringify(r, null, 2));
      else
        ctx.out(
          `queued ${r.queued} deliver${r.queued === 1 ? 'y' : 'ies'} of ${endpoint} to send again${skipped ? ` (${skipped} skipped: their events expired)` : ''}${r.continuing ? '; more are being queued in the background' : ''}`,
        );
      if (flags['no-wait'] || (r.queued === 0 && !r.continuing)) return EXIT.ok;

      const bar = new Progress(ctx.io.stderr, ctx.paintErr);
      const started = Date.now();
      return interruptible(ctx, async (state) => {
        // What is left: failing deliveries in the window, less those that can never go (expired events).
        const left = async () => Math.max(0, (await countFailing(api, tenant!, endpoint!, since, until)) - skipped);
        let remaining = await left();
        const total = Math.max(r.queued, remaining);
        let best = remaining;
        let stalls = 0;
        const draw = () => bar.update('recover', total - remaining, total, `delivered · ${remaining} left`);
        draw();
        let outcome: 'done' | 'stalled' | 'timeout' | 'stopped' = 'done';
        while (remaining > 0) {
          if (state.stopped) outcome = 'stopped';
          else if (Date.now() - started >= timeoutMs) outcome = 'timeout';
          else if (stalls >= STALL_POLLS) outcome = 'stalled';
          if (outcome !== 'done') break;
          await state.sleep(intervalMs);
          if (state.stopped) continue;
          remaining = await left();
          if (remaining < best) {
            best = remaining;
            stalls = 0;
          } else stalls++;
          draw();
        }
        bar.done();
        const secs = Math.round((Date.now() - started) / 1000);
        const list = `billhook deliveries list ${tenant} --endpoint ${endpoint} --status exhausted`;
        const message = {
          done: `recover: all ${total} delivered in ${secs} s`,
          stalled: `recover: ${remaining} of ${total} still failed or exhausted after ${secs} s (no progress for ${STALL_POLLS} polls: the endpoint may still be failing). See: ${list}`,
          timeout: `recover: ${remaining} of ${total} still to go after --timeout ${timeoutMs / 1000} s; the recover goes on on the server. Follow: billhook tail ${tenant} --endpoint ${endpoint}`,
          stopped: `recover: stopped following with ${remaining} of ${total} to go; the recover goes on on the server`,
        }[outcome];
        ctx.err(outcome === 'done' ? ctx.paintErr.green(message) : ctx.paintErr.yellow(message));
        return EXIT.ok;
      });
    },
  },
};

export const dlq: Command = {
  name: 'dlq',
  summary: 'The dead-letter queue of the deliveries queue (admin key)',
  subcommands: {
    stats: {
      args: [],
      summary: 'How many messages the dead-letter queue holds (approximate)',
      examples: ['billhook dlq stats'],
      async run(ctx) {
        const s = await ctx.api().get<{ approximateMessages: number }>('/v1/dlq');
        if (ctx.json) ctx.out(JSON.stringify(s, null, 2));
        else ctx.out(table([s], [{ header: 'APPROXIMATE MESSAGES', value: (x) => x.approximateMessages, align: 'right' }], ctx.paint));
        return EXIT.ok;
      },
    },
    redrive: {
      args: [],
      summary: 'Move dead-lettered deliveries back to the queue (each starts a new retry chain), with progress',
      options: {
        max: { type: 'string', value: '<n>', desc: 'move at most n messages (default: all)' },
        rate: { type: 'string', value: '<n>', desc: 'at most n messages per second, 0.1 to 100 (default: the server’s, 20)' },
      },
      notes: `Calls POST /v1/dlq/redrive in chunks of up to ${REDRIVE_CHUNK} until the queue is empty, --max is reached, or a chunk moves nothing.\nMessages that are not Billhook deliveries stay in the queue and are counted as failed.`,
      examples: ['billhook dlq redrive', 'billhook dlq redrive --max 500 --rate 10'],
      async run(ctx, _args, flags) {
        const max = parseNumber(str(flags, 'max'), '--max', ctx.helpFor, { min: 1, integer: true }) ?? Infinity;
        const rate = parseNumber(str(flags, 'rate'), '--rate', ctx.helpFor, { min: 0.1, max: 100 });
        const api = ctx.api();
        const before = (await api.get<{ approximateMessages: number }>('/v1/dlq')).approximateMessages;
        const total = { moved: 0, failed: 0, remaining: before };
        if (before === 0) {
          if (ctx.json) ctx.out(JSON.stringify(total, null, 2));
          else ctx.out('the dead-letter queue is empty: nothing to redrive');
          return EXIT.ok;
        }
        const goal = Math.min(max, before);
        const bar = new Progress(ctx.io.stderr, ctx.paintErr);
        const chunkCap = rate === undefined ? REDRIVE_CHUNK : Math.max(1, Math.min(REDRIVE_CHUNK, Math.floor(rate * 20)));
        await interruptible(ctx, async (state) => {
          bar.update('redrive', 0, goal, 'moved');
          while (!state.stopped && total.moved + total.failed < max) {
            const chunk = Math.min(chunkCap, max - total.moved - total.failed);
            const r = await api.post<{ moved: number; failed: number; remaining: number }>('/v1/dlq/redrive', { max: chunk, ...(rate === undefined ? {} : { ratePerSecond: rate }) });
            total.moved += r.moved;
            total.failed += r.failed;
            total.remaining = r.remaining;
            bar.update('redrive', total.moved, Math.max(goal, total.moved), `moved${total.failed ? ` · ${total.failed} not redrivable` : ''} · ${r.remaining} remaining`);
            // Done when empty; and a chunk that moved nothing would only see the same unredrivable messages again.
            if (r.remaining === 0 || r.moved === 0) break;
          }
        });
        bar.done();
        if (ctx.json) ctx.out(JSON.stringify(total, null, 2));
        else
          ctx.out(
            `moved ${total.moved} message${total.moved === 1 ? '' : 's'} back to the deliveries queue${total.failed ? `; ${total.failed} could not be redriven (not Billhook deliveries; left in the DLQ)` : ''}; about ${total.remaining} remaining`,
          );
        return EXIT.ok;
      },
    },
  },
};
