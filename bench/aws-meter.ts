/**
 * Counts the AWS work Billhook does: every request per service and
 * operation, DynamoDB capacity units, SQS messages, and Lambda invocations
 * with their durations, each attributed to the function that made it.
 *
 * The counting is an AWS SDK middleware registered through
 * lib/adapters/aws-instrumentation.ts, so it sees exactly the calls the real
 * clients make. Attribution uses an AsyncLocalStorage set around each
 * handler invocation; calls outside any handler (the local pollers standing
 * in for Lambda's event source mapping) are the `platform`'s.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { registerAwsMiddleware, type AwsMiddlewarePlugin } from '../lib/adapters/aws-instrumentation.ts';

/** Who made a call: a handler name, `platform` (event source mapping) or a bench loop such as `floor`. */
export type Actor = string;

/** What one actor did with one operation. */
export interface OperationCount {
  actor: Actor;
  /** `DynamoDB`, `SQS`, `Scheduler`. */
  service: string;
  /** e.g. `PutItem`, `SendMessageBatch`. */
  operation: string;
  /** HTTP requests, SDK retries included (AWS bills each). */
  requests: number;
  /** SQS bills each 64 KB chunk of a request's payload as one request. */
  billedRequests: number;
  /** Calls that ended in an error (conditional check failures included). */
  errors: number;
  /** DynamoDB write units, as DynamoDB reported them (ConsumedCapacity, GSI writes included). */
  wcu: number;
  /** DynamoDB read units, as DynamoDB reported them. */
  rcu: number;
  /**
   * Units DynamoDB did not report: a failed conditional write returns no
   * ConsumedCapacity but is billed; counted here as 1 WCU.
   */
  estimatedWcu: number;
  /** SQS messages sent, received or deleted. */
  messages: number;
  /** ReceiveMessage calls that returned nothing: idle long polls, a fixed cost rather than a per-delivery one. */
  emptyReceives: number;
  /** DynamoDB items read: a Query's or Scan's Count, 1 for a GetItem that found one, a BatchGetItem's responses. */
  items: number;
}

/** Invocations of one function and their durations. */
export interface InvocationCount {
  invocations: number;
  /** Sum of invocation wall times, each rounded up to 1 ms as Lambda bills. */
  billedMs: number;
  maxMs: number;
  errors: number;
}

/** Everything counted between two points. */
export interface MeterSnapshot {
  operations: OperationCount[];
  invocations: Record<Actor, InvocationCount>;
}

type Counters = Omit<OperationCount, 'actor' | 'service' | 'operation'>;

const DYNAMO_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const DYNAMO_METERED = new Set([...DYNAMO_READS, ...DYNAMO_WRITES, 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);
const CONDITIONAL_FAILURES = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);
const SQS_CHUNK_BYTES = 64 * 1024;

/** DynamoDB Streams (the local stream poller, standing in for Lambda's stream event source) is its own service: Lambda's reads of a stream are free. */
const SERVICE_OF_CLIENT: Record<string, string> = { DynamoDBClient: 'DynamoDB', SQSClient: 'SQS', SchedulerClient: 'Scheduler', DynamoDBStreamsClient: 'DynamoDBStreams' };

/**
 * DynamoDB Local reports no ConsumedCapacity for BatchGetItem. DynamoDB bills
 * each key asked for as a GetItem, found or not: 1 RCU per 4 KB strongly
 * consistent, half that eventually consistent (the items here are under 4 KB).
 * Keys handed back unprocessed are not billed.
 */
function batchGetEstimate(input: Record<string, unknown>, out: Record<string, unknown> | undefined): number {
  const requests = (input.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
  const unprocessed = (out?.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
  let units = 0;
  for (const [table, r] of Object.entries(requests)) units += ((r.Keys?.length ?? 0) - (unprocessed[table]?.Keys?.length ?? 0)) * (r.ConsistentRead ? 1 : 0.5);
  return units;
}

/** Items a read returned. */
function itemsRead(operation: string, out: Record<string, unknown> | undefined): number {
  if (operation === 'Query' || operation === 'Scan') return Number(out?.Count ?? 0);
  if (operation === 'GetItem') return out?.Item ? 1 : 0;
  if (operation === 'BatchGetItem') return Object.values((out?.Responses ?? {}) as Record<string, unknown[]>).reduce((n, list) => n + list.length, 0);
  return 0;
}

const zero = (): Counters => ({ requests: 0, billedRequests: 0, errors: 0, wcu: 0, rcu: 0, estimatedWcu: 0, messages: 0, emptyReceives: 0, items: 0 });

/**
 * Units in a ConsumedCapacity (one object, or a list for batch calls). With
 * ReturnConsumedCapacity TOTAL DynamoDB reports only CapacityUnits, so the
 * caller tells reads from writes by the operation.
 */
function capacityUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, c: { CapacityUnits?: number }) => sum + (c?.CapacityUnits ?? 0), 0);
}

const bytes = (s: unknown): number => (typeof s === 'string' ? Buffer.byteLength(s) : 0);

/** SQS payload bytes of a call (bodies and attribute values), to bill 64 KB chunks. */
function sqsPayloadBytes(operation: string, input: Record<string, unknown>, output: Record<string, unknown> | undefined): number {
  const attrs = (a: unknown) =>
    Object.entries((a ?? {}) as Record<string, { StringValue?: string }>).reduce((n, [k, v]) => n + bytes(k) + bytes(v?.StringValue), 0);
  if (operation === 'SendMessageBatch') {
    return ((input.Entries ?? []) as { MessageBody?: string; MessageAttributes?: unknown }[]).reduce((n, e) => n + bytes(e.MessageBody) + attrs(e.MessageAttributes), 0);
  }
  if (operation === 'SendMessage') return bytes(input.MessageBody) + attrs(input.MessageAttributes);
  if (operation === 'ReceiveMessage') {
    return ((output?.Messages ?? []) as { Body?: string; MessageAttributes?: unknown }[]).reduce((n, m) => n + bytes(m.Body) + attrs(m.MessageAttributes), 0);
  }
  return 0;
}

/** Messages a call moved: entries sent or deleted, messages received. */
function sqsMessages(operation: string, input: Record<string, unknown>, output: Record<string, unknown> | undefined): number {
  if (operation.endsWith('Batch')) return ((input.Entries ?? []) as unknown[]).length;
  if (operation === 'ReceiveMessage') return ((output?.Messages ?? []) as unknown[]).length;
  if (operation === 'SendMessage' || operation === 'DeleteMessage' || operation === 'ChangeMessageVisibility') return 1;
  return 0;
}

/**
 * The meter. Create one per process, `install()` it before local mode loads
 * the handlers, wrap the handlers with `wrapHandlers`, and take `snapshot()`s
 * around what you measure.
 */
export class AwsMeter {
  private readonly actor = new AsyncLocalStorage<Actor>();
  private readonly ops = new Map<string, OperationCount>();
  private readonly calls = new Map<Actor, InvocationCount>();
  private readonly running = new Map<Actor, number>();
  private uninstall: (() => void) | undefined;

  /** Register the counting middleware for every AWS client built from now on. */
  install(): this {
    this.uninstall ??= registerAwsMiddleware(this.plugin());
    return this;
  }

  /** Stop instrumenting clients built from now on (clients already built keep counting). */
  dispose(): void {
    this.uninstall?.();
    this.uninstall = undefined;
  }

  /** Run `fn` with its AWS calls attributed to `actor`. */
  runAs<T>(actor: Actor, fn: () => T): T {
    return this.actor.run(actor, fn);
  }

  /**
   * Wrap each function so its invocations are counted and timed, and its AWS
   * calls attributed to its name.
   */
  wrapHandlers<H extends { [K in keyof H]: (...args: never[]) => Promise<unknown> }>(handlers: H): H {
    const wrapped = {} as Record<string, (...args: never[]) => Promise<unknown>>;
    for (const [name, fn] of Object.entries(handlers) as [string, (...args: never[]) => Promise<unknown>][]) {
      wrapped[name] = (...args: never[]) =>
        this.actor.run(name, async () => {
          const started = performance.now();
          this.running.set(name, (this.running.get(name) ?? 0) + 1);
          const count = this.invocationCount(name);
          try {
            return await fn(...args);
          } catch (err) {
            count.errors++;
            throw err;
          } finally {
            const ms = performance.now() - started;
            count.invocations++;
            count.billedMs += Math.max(1, Math.ceil(ms));
            count.maxMs = Math.max(count.maxMs, ms);
            this.running.set(name, this.running.get(name)! - 1);
          }
        });
    }
    return wrapped as H;
  }

  /** Handler invocations running now, all functions together. */
  inFlight(): number {
    let n = 0;
    for (const v of this.running.values()) n += v;
    return n;
  }

  /** A copy of everything counted so far. */
  snapshot(): MeterSnapshot {
    return {
      operations: [...this.ops.values()].map((o) => ({ ...o })),
      invocations: Object.fromEntries([...this.calls].map(([k, v]) => [k, { ...v }])),
    };
  }

  private invocationCount(name: Actor): InvocationCount {
    let c = this.calls.get(name);
    if (!c) this.calls.set(name, (c = { invocations: 0, billedMs: 0, maxMs: 0, errors: 0 }));
    return c;
  }

  private count(actor: Actor, service: string, operation: string): OperationCount {
    const key = `${actor}|${service}|${operation}`;
    let c = this.ops.get(key);
    if (!c) this.ops.set(key, (c = { actor, service, operation, ...zero() }));
    return c;
  }

  private plugin(): AwsMiddlewarePlugin {
    return {
      applyToStack: (stack: { add(mw: unknown, options: Record<string, unknown>): void }) => {
        stack.add(
          (next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> & { $metadata?: { attempts?: number } } }>, context: { clientName?: string; commandName?: string }) =>
            async (args: { input: Record<string, unknown> }) => {
              const service = SERVICE_OF_CLIENT[context.clientName ?? ''] ?? (context.clientName ?? 'unknown').replace(/Client$/, '');
              const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
              // FIFO queues bill at their own price: keep their requests apart.
              const operation = service === 'SQS' && String(args.input.QueueUrl ?? '').endsWith('.fifo') ? `${command} (FIFO)` : command;
              const actor = this.actor.getStore() ?? 'platform';
              // Ask DynamoDB to report what each call consumed, unless the caller asked already.
              if (service === 'DynamoDB' && DYNAMO_METERED.has(operation) && args.input.ReturnConsumedCapacity === undefined) {
                args = { ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } };
              }
              const c = this.count(actor, service, operation);
              try {
                const result = await next(args);
                const out = result.output;
                const attempts = out?.$metadata?.attempts ?? 1;
                c.requests += attempts;
                if (service === 'DynamoDB') {
                  const units = capacityUnits(out?.ConsumedCapacity);
                  if (DYNAMO_READS.has(operation)) c.rcu += units === 0 && operation === 'BatchGetItem' ? batchGetEstimate(args.input, out) : units;
                  else c.wcu += units;
                  c.items += itemsRead(operation, out);
                  c.billedRequests += attempts;
                } else if (service === 'SQS') {
                  const messages = sqsMessages(command, args.input, out);
                  c.messages += messages;
                  if (command === 'ReceiveMessage' && messages === 0) c.emptyReceives++;
                  c.billedRequests += attempts - 1 + Math.max(1, Math.ceil(sqsPayloadBytes(command, args.input, out) / SQS_CHUNK_BYTES));
                } else c.billedRequests += attempts;
                return result;
              } catch (err) {
                const e = err as { name?: string; $metadata?: { attempts?: number } };
                const attempts = e.$metadata?.attempts ?? 1;
                c.requests += attempts;
                c.billedRequests += attempts;
                c.errors++;
                if (service === 'DynamoDB' && DYNAMO_WRITES.has(operation) && CONDITIONAL_FAILURES.has(e.name ?? '')) c.estimatedWcu += 1;
                throw err;
              }
            },
          // Serialize step, high priority: after the document client's marshalling
          // has run its initialize step and before the request is built, and it
          // wraps the retries, so one entry sees one send().
          { step: 'serialize', priority: 'high', name: 'billhookBenchMeter', override: true },
        );
      },
    };
  }
}

/** Per-operation counts of `after` minus `before`; invocations likewise. */
export function diffSnapshots(after: MeterSnapshot, before: MeterSnapshot): MeterSnapshot {
  const key = (o: OperationCount) => `${o.actor}|${o.service}|${o.operation}`;
  const prior = new Map(before.operations.map((o) => [key(o), o]));
  const operations: OperationCount[] = [];
  for (const o of after.operations) {
    const p = prior.get(key(o));
    const d: OperationCount = { ...o };
    if (p) for (const f of Object.keys(zero()) as (keyof Counters)[]) d[f] = o[f] - p[f];
    if (d.requests > 0) operations.push(d);
  }
  const invocations: Record<Actor, InvocationCount> = {};
  for (const [name, c] of Object.entries(after.invocations)) {
    const p = before.invocations[name];
    const d = p ? { invocations: c.invocations - p.invocations, billedMs: c.billedMs - p.billedMs, maxMs: c.maxMs, errors: c.errors - p.errors } : { ...c };
    if (d.invocations > 0) invocations[name] = d;
  }
  return { operations, invocations };
}
