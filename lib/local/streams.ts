/**
 * What Lambda's DynamoDB stream event source mapping does, done locally:
 * read a table's stream from DynamoDB Local (DescribeStream,
 * GetShardIterator, GetRecords), hand the records to the consumer function
 * as a `DynamoDBStreamEvent`, in order per shard, one batch at a time per
 * shard, and move on only once it succeeded.
 *
 * As on AWS: records whose `eventName` is not wanted are filtered out
 * before the function sees them (event filtering); a batch that fails is
 * split in two and retried (bisect on error), each part at most
 * `retryAttempts` times, then reported to `onFailure` (the on-failure
 * destination) and skipped; a partial batch response (`batchItemFailures`,
 * by sequence number) retries from the first failed record. A closed shard
 * is read to its end before its children; an expired iterator is taken
 * again after the last handled record; records trimmed away are skipped.
 *
 * Where a shard was left (the sequence number of its last handled record) is
 * kept by a `StreamCheckpoints` store: a file in the data folder, so a
 * restart resumes after the last record handled instead of at the stream's
 * start (TRIM_HORIZON would count the last 24 h again) or at its end
 * (LATEST would lose what was written while local mode was down). A shard
 * without a checkpoint (new, or never read) is read from its start. A crash
 * between a handled batch and its checkpoint write hands that batch over
 * again: the one window where a restart counts twice.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBStreamsClient,
  type _Record,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_REGION } from './dynamodb.ts';
import { createLambdaContext, withTimeout } from './lambda-context.ts';
import { delay } from './net.ts';

/** A stream-triggered Lambda handler that may report partial batch failures. */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void | undefined | null>;

/** Where each shard of a stream was left. */
export interface StreamCheckpoints {
  get(streamArn: string, shardId: string): Promise<string | undefined>;
  set(streamArn: string, shardId: string, sequenceNumber: string): Promise<void>;
  /** Forget shards of `streamArn` not in `keep` (trimmed away). */
  prune(streamArn: string, keep: ReadonlySet<string>): Promise<void>;
}

/** Checkpoints in memory (local mode without a data folder: the stream is gone on stop anyway). */
export function memoryCheckpoints(): StreamCheckpoints {
  const all = new Map<string, string>();
  return {
    get: async (arn, shard) => all.get(`${arn}|${shard}`),
    set: async (arn, shard, seq) => void all.set(`${arn}|${shard}`, seq),
    prune: async (arn, keep) => {
      for (const key of [...all.keys()]) if (key.startsWith(`${arn}|`) && !keep.has(key.slice(arn.length + 1))) all.delete(key);
    },
  };
}

/** Checkpoints in a JSON file (`{ [streamArn]: { [shardId]: sequenceNumber } }`), rewritten atomically after each change. */
export function fileCheckpoints(file: string): StreamCheckpoints {
  let data: Record<string, Record<string, string>> | undefined;
  let writing = Promise.resolve();
  const load = async () => {
    if (data) return data;
    try {
      data = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, string>>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      data = {};
    }
    return data;
  };
  const save = () => {
    const text = JSON.stringify(data, null, 2);
    writing = writing.then(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
    });
    return writing;
  };
  return {
    get: async (arn, shard) => (await load())[arn]?.[shard],
    set: async (arn, shard, seq) => {
      const d = await load();
      (d[arn] ??= {})[shard] = seq;
      await save();
    },
    prune: async (arn, keep) => {
      const d = await load();
      const shards = d[arn] ?? {};
      const gone = Object.keys(shards).filter((s) => !keep.has(s));
      if (gone.length === 0) return;
      for (const s of gone) delete shards[s];
      await save();
    },
  };
}

/** What the on-failure destination is told of a batch given up on (the shape Lambda sends, in part). */
export interface StreamFailure {
  requestContext: { requestId: string; functionArn: string; condition: 'RetryAttemptsExhausted'; approximateInvokeCount: number };
  DDBStreamBatchInfo: { shardId: string; startSequenceNumber: string; endSequenceNumber: string; batchSize: number; streamArn: string };
}

export interface StreamPollerOptions {
  /** Consumer name (`stats`): names the function in logs and the Lambda context. */
  name: string;
  /** A client built with the DynamoDB Local endpoint. */
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamHandler;
  /** Records per invocation at most. */
  batchSize: number;
  /** Pause between polls of a shard that had nothing new. */
  pollMs: number;
  /**
   * Hold records up to this long to fill a batch (Lambda's batching window).
   * Default 0: hand over what each poll found, so counts show within a poll.
   */
  batchWindowMs?: number;
  /** Only records with these event names reach the handler (default all). */
  eventNames?: readonly string[];
  /** Retries of a failing batch (each split in two) before it is reported and skipped. */
  retryAttempts: number;
  /** The function timeout: a batch still running after it counts as failed. */
  timeoutSeconds: number;
  checkpoints: StreamCheckpoints;
  /** The on-failure destination. */
  onFailure?: (failure: StreamFailure) => Promise<void>;
  region?: string;
  /** Pause before retrying a failed batch: 200 ms, doubling, at most 5 s. */
  backoffMs?: { initial: number; max: number };
  log?: (line: string) => void;
  logError?: (line: string) => void;
}

export interface StreamPollerStats {
  batches: number;
  records: number;
  /** Records dropped by the event filter (their checkpoint moves on all the same). */
  filtered: number;
  handlerErrors: number;
  /** Records given up on after the retries (reported to onFailure). */
  failedRecords: number;
  readErrors: number;
}

export interface StreamPoller {
  readonly name: string;
  readonly stats: Readonly<StreamPollerStats>;
  /**
   * Resolve once everything written to the stream before the call has been
   * handed over (a full pass over every shard found nothing new, nothing
   * held, nothing running). Ignores the batching window meanwhile.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Stop polling, let the batch in flight finish (and its checkpoint), then resolve. Safe to call twice. */
  stop(): Promise<void>;
}

/** Lambda's stream events carry binary values as base64 text. */
function toLambdaValue(v: SdkAttributeValue): AttributeValue {
  const a = v as unknown as Record<string, unknown>;
  if (a.B instanceof Uint8Array) return { B: Buffer.from(a.B).toString('base64') };
  if (Array.isArray(a.BS)) return { BS: (a.BS as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')) };
  if (a.M) return { M: toLambdaImage(a.M as Record<string, SdkAttributeValue>) };
  if (Array.isArray(a.L)) return { L: (a.L as SdkAttributeValue[]).map(toLambdaValue) };
  return v as unknown as AttributeValue;
}

const toLambdaImage = (image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> => Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));

/** The record Lambda would put in the event for a GetRecords record. */
export function toStreamRecord(r: _Record, streamArn: string, region = LOCAL_REGION): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID ?? randomUUID(),
    ...(r.eventName ? { eventName: r.eventName } : {}),
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
      ...(d.Keys ? { Keys: toLambdaImage(d.Keys) } : {}),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      ...(d.SequenceNumber ? { SequenceNumber: d.SequenceNumber } : {}),
      ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
      ...(d.StreamViewType ? { StreamViewType: d.StreamViewType } : {}),
    },
    ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
  };
}

interface ShardState {
  id: string;
  parent?: string;
  iterator?: string;
  /** GetRecords said the shard is closed (no next iterator) and everything read was handed over. */
  done: boolean;
  /** Read, filtered, waiting to be handed over. */
  held: DynamoDBRecord[];
  /** Sequence number of the last record read (handed over or filtered). */
  readUpTo?: string;
  heldSince?: number;
  closed: boolean;
  /** The next iterator starts at the shard's start (after two refusals in a row). */
  trimmed: boolean;
  lastTrimmed: boolean;
}

/**
 * Start polling a stream.
 *
 * @example
 * const poller = startStreamPoller({ name: 'stats', client, streamArn, handler, batchSize: 1000, pollMs: 250, retryAttempts: 10, timeoutSeconds: 30, checkpoints: memoryCheckpoints() });
 * // ...
 * await poller.stop();
 */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { name, client, streamArn, handler, checkpoints } = options;
  const region = options.region ?? LOCAL_REGION;
  const windowMs = options.batchWindowMs ?? 0;
  const wanted = options.eventNames ? new Set(options.eventNames) : undefined;
  const backoff = options.backoffMs ?? { initial: 200, max: 5000 };
  const logError = options.logError ?? ((line: string) => console.error(line));
  const stats: StreamPollerStats = { batches: 0, records: 0, filtered: 0, handlerErrors: 0, failedRecords: 0, readErrors: 0 };
  const stopping = new AbortController();
  const shards = new Map<string, ShardState>();
  let draining = 0;
  let pass = 0;
  /** Passes that found nothing new, held nothing and handed nothing over, in a row. */
  let quietPasses = 0;
  let lastRefresh = 0;
  /** A shard was read to its end: its children may be listed now. */
  let lineageChanged = false;

  async function refreshShards(): Promise<void> {
    const seen = new Set<string>();
    let start: string | undefined;
    do {
      const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }));
      const list: Shard[] = out.StreamDescription?.Shards ?? [];
      for (const s of list) {
        if (!s.ShardId) continue;
        seen.add(s.ShardId);
        if (!shards.has(s.ShardId)) shards.set(s.ShardId, { id: s.ShardId, ...(s.ParentShardId ? { parent: s.ParentShardId } : {}), done: false, held: [], closed: false, trimmed: false, lastTrimmed: false });
      }
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    // Shards trimmed away are gone from the description: nothing more to read there.
    for (const id of [...shards.keys()]) if (!seen.has(id) && shards.get(id)!.held.length === 0) shards.delete(id);
    await checkpoints.prune(streamArn, seen);
    lastRefresh = Date.now();
  }

  /** A shard is read once its parent (if still listed) is read to its end, as Lambda keeps a shard's lineage in order. */
  const ready = (s: ShardState) => !s.done && (s.parent === undefined || !shards.has(s.parent) || shards.get(s.parent)!.done);

  /** The last sequence number handled or filtered on this shard: what a new iterator starts after. */
  async function floorOf(s: ShardState): Promise<string | undefined> {
    return s.readUpTo ?? (await checkpoints.get(streamArn, s.id));
  }

  async function iteratorOf(s: ShardState, fromStart: boolean): Promise<string | undefined> {
    const after = fromStart ? undefined : await floorOf(s);
    try {
      const out = await client.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.id, ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }) }),
      );
      return out.ShardIterator;
    } catch (err) {
      if (!(err instanceof TrimmedDataAccessException) || !after) throw err;
      logError(`stream poller ${name}: shard ${s.id} was trimmed past its checkpoint (records older than the stream keeps were never handed over); reading from what is left`);
      return iteratorOf(s, true);
    }
  }

  /** One GetRecords on a shard; returns how many records it read. */
  async function read(s: ShardState): Promise<number> {
    s.iterator ??= await iteratorOf(s, s.trimmed);
    s.trimmed = false;
    if (!s.iterator) {
      s.closed = true;
      return 0;
    }
    let out;
    try {
      out = await client.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: options.batchSize }));
    } catch (err) {
      s.iterator = undefined;
      if (err instanceof ExpiredIteratorException) return 0;
      if (err instanceof TrimmedDataAccessException) {
        // DynamoDB Local numbers stream records across all tables, and an iterator taken at the
        // start of a shard that was still empty then "reads past the oldest record" once the
        // shard's first record has a higher number. From the start again (after the floor, if any;
        // failing that, from the very start, skipping what was handled: see below).
        s.trimmed = s.lastTrimmed;
        s.lastTrimmed = true;
        return 0;
      }
      throw err;
    }
    s.lastTrimmed = false;
    const records = out.Records ?? [];
    const floor = await floorOf(s);
    for (const r of records) {
      const seq = r.dynamodb?.SequenceNumber;
      // Never hand over a record twice, whichever iterator read it.
      if (seq && floor && BigInt(seq) <= BigInt(floor)) continue;
      if (seq) s.readUpTo = seq;
      if (wanted && !wanted.has(r.eventName ?? '')) {
        stats.filtered++;
        continue;
      }
      if (s.held.length === 0) s.heldSince = Date.now();
      s.held.push(toStreamRecord(r, streamArn, region));
    }
    if (out.NextShardIterator) s.iterator = out.NextShardIterator;
    else {
      s.iterator = undefined;
      s.closed = true;
    }
    return records.length;
  }

  /**
   * Hand `records` (in order) to the function by Lambda's rules. Resolves
   * true when they are handled or given up on, false when stopping cut it
   * short (their checkpoint must not move).
   */
  async function handOver(shardId: string, records: DynamoDBRecord[], attemptsLeft: number, invokeCount = 1): Promise<boolean> {
    if (records.length === 0) return true;
    if (stopping.signal.aborted) return false;
    stats.batches++;
    stats.records += records.length;
    const context = createLambdaContext({ name, timeoutSeconds: options.timeoutSeconds, region });
    const pause = () => delay(Math.min(backoff.max, backoff.initial * 2 ** (options.retryAttempts - attemptsLeft)), stopping.signal);
    let failedFrom: number | undefined;
    try {
      const result = await withTimeout(name, options.timeoutSeconds, () => handler({ Records: records }, context));
      const failures = result && typeof result === 'object' ? (result as DynamoDBBatchResponse).batchItemFailures : undefined;
      if (failures?.length) {
        const seqs = new Set(failures.map((f) => f.itemIdentifier));
        const i = records.findIndex((r) => seqs.has(r.dynamodb?.SequenceNumber ?? ''));
        failedFrom = i === -1 ? 0 : i;
      }
    } catch (err) {
      stats.handlerErrors++;
      logError(`stream poller ${name}: handler failed on a batch of ${records.length} from shard ${shardId}; ${attemptsLeft > 0 ? 'retrying it split in two' : 'giving up on it'}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (attemptsLeft === 0) return giveUp(shardId, records, invokeCount);
      await pause();
      if (records.length === 1) return handOver(shardId, records, attemptsLeft - 1, invokeCount + 1);
      const half = Math.ceil(records.length / 2);
      return (await handOver(shardId, records.slice(0, half), attemptsLeft - 1, invokeCount + 1)) && handOver(shardId, records.slice(half), attemptsLeft - 1, invokeCount + 1);
    }
    if (failedFrom === undefined) return true;
    const rest = records.slice(failedFrom);
    if (attemptsLeft === 0) return giveUp(shardId, rest, invokeCount);
    await pause();
    return handOver(shardId, rest, attemptsLeft - 1, invokeCount + 1);
  }

  async function giveUp(shardId: string, records: DynamoDBRecord[], invokeCount: number): Promise<boolean> {
    stats.failedRecords += records.length;
    const failure: StreamFailure = {
      requestContext: { requestId: randomUUID(), functionArn: `billhook-${name}`, condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: records[0]?.dynamodb?.SequenceNumber ?? '',
        endSequenceNumber: records[records.length - 1]?.dynamodb?.SequenceNumber ?? '',
        batchSize: records.length,
        streamArn,
      },
    };
    try {
      await options.onFailure?.(failure);
    } catch (err) {
      logError(`stream poller ${name}: could not report a failed batch to the on-failure destination: ${err instanceof Error ? err.message : String(err)}`);
    }
    return true;
  }

  /** Hand over what a shard holds if its batch is full, its window is over, or a drain asks; then move its checkpoint. */
  async function flush(s: ShardState, force: boolean): Promise<boolean> {
    // A partial batch waits for its window (the held records' first arrival), unless forced or the shard closed.
    const due = () => s.held.length >= options.batchSize || force || windowMs === 0 || s.closed || (s.heldSince !== undefined && Date.now() - s.heldSince >= windowMs);
    let handed = false;
    while (s.held.length > 0 && due() && !stopping.signal.aborted) {
      const batch = s.held.splice(0, options.batchSize);
      if (!(await handOver(s.id, batch, options.retryAttempts))) {
        s.held.unshift(...batch);
        return handed;
      }
      handed = true;
      const last = batch[batch.length - 1]?.dynamodb?.SequenceNumber;
      if (last) await checkpoints.set(streamArn, s.id, s.held.length === 0 && s.readUpTo ? s.readUpTo : last);
    }
    if (s.held.length === 0) {
      s.heldSince = undefined;
      // Filtered records move the checkpoint too, so a restart does not read them again.
      if (!handed && s.readUpTo && s.readUpTo !== (await checkpoints.get(streamArn, s.id))) await checkpoints.set(streamArn, s.id, s.readUpTo);
      if (s.closed && !s.done) {
        s.done = true;
        lineageChanged = true;
      }
    }
    return handed;
  }

  async function loop(): Promise<void> {
    let pause = backoff.initial;
    while (!stopping.signal.aborted) {
      let busy = false;
      const force = draining > 0;
      try {
        if (shards.size === 0 || lineageChanged || Date.now() - lastRefresh > 10_000) {
          lineageChanged = false;
          await refreshShards();
        }
        for (const s of [...shards.values()].filter(ready)) {
          if (stopping.signal.aborted) break;
          const n = await read(s);
          const handed = await flush(s, force);
          if (n > 0 || handed || s.held.length > 0) busy = true;
          // A full page means more is waiting: read it before pausing.
          if (n >= options.batchSize) busy = true;
        }
        pause = backoff.initial;
      } catch (err) {
        if (stopping.signal.aborted) break;
        stats.readErrors++;
        logError(`stream poller ${name}: reading ${streamArn} failed, retrying in ${pause} ms: ${err instanceof Error ? err.message : String(err)}`);
        await delay(pause, stopping.signal);
        pause = Math.min(backoff.max, pause * 2);
        continue;
      }
      pass++;
      quietPasses = busy ? 0 : quietPasses + 1;
      const full = [...shards.values()].some((s) => s.held.length >= options.batchSize);
      if (!busy || !full) await delay(busy && force ? 0 : options.pollMs, stopping.signal);
    }
  }

  const running = loop();
  options.log?.(`stream poller ${name}: ${streamArn}, batches of up to ${options.batchSize}${windowMs ? `, window ${windowMs} ms` : ''}, every ${options.pollMs} ms`);
  let stopped: Promise<void> | undefined;
  return {
    name,
    get stats() {
      return { ...stats };
    },
    async drain(timeoutMs = 30_000) {
      draining++;
      try {
        const from = pass;
        const deadline = Date.now() + timeoutMs;
        // Two quiet passes begun after the call: the first may have started before the last write.
        while (!(pass >= from + 2 && quietPasses >= 2)) {
          if (stopping.signal.aborted) return;
          if (Date.now() > deadline) throw new Error(`stream poller ${name}: not drained within ${timeoutMs} ms`);
          await delay(20);
        }
      } finally {
        draining--;
      }
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await running;
      })();
      return stopped;
    },
  };
}
