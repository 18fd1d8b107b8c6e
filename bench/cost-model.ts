/**
 * From counted AWS work to figures per delivery and dollars per million
 * deliveries, at the list prices in the README ("Cost model").
 */
import type { MeterSnapshot, OperationCount } from './aws-meter.ts';

/** US East list prices, dollars per unit. */
export const LIST_PRICES = {
  /** API Gateway HTTP API, per request (first 300 M a month). */
  apiGatewayRequest: 1.0 / 1e6,
  /** DynamoDB on-demand, per write unit and per read unit. */
  dynamoWcu: 0.625 / 1e6,
  dynamoRcu: 0.125 / 1e6,
  /** SQS standard queue, per request (a batch of 10 is one request; each 64 KB chunk is one). */
  sqsRequest: 0.4 / 1e6,
  /** SQS FIFO queue, per request (the deliveries lanes and their DLQ). */
  sqsFifoRequest: 0.5 / 1e6,
  /** Lambda, per invocation and per GB-second (the x86 price; the stack deploys arm64, 20 % cheaper per GB-s). */
  lambdaInvocation: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  /** EventBridge Scheduler, per invocation (a schedule that fires). */
  schedulerInvocation: 1.0 / 1e6,
} as const;

/** Dollars per million deliveries, by line. */
export interface CostPerMillion {
  apiGateway: number;
  lambdaRequests: number;
  lambdaCompute: number;
  dynamoWrites: number;
  dynamoReads: number;
  sqs: number;
  scheduler: number;
  total: number;
}

/** AWS work of a measured window, per delivery. */
export interface WorkFigures {
  deliveries: number;
  attempts: number;
  /** AWS SDK requests (DynamoDB, SQS, Scheduler) per delivery, event-source polling included, idle empty receives excluded. */
  awsRequestsPerDelivery: number;
  /** Requests through API Gateway (ingest and api invocations) per delivery. */
  apiRequestsPerDelivery: number;
  dynamoRequestsPerDelivery: number;
  wcuPerDelivery: number;
  rcuPerDelivery: number;
  sqsRequestsPerDelivery: number;
  /** Of those, requests on FIFO queues (the deliveries lanes), billed at the FIFO price. */
  sqsFifoRequestsPerDelivery: number;
  sqsMessagesPerDelivery: number;
  /** The sender's own DynamoDB reads (requests) per delivery. */
  senderReadsPerDelivery: number;
  /** The sender's DynamoDB write requests per attempt. */
  senderWritesPerAttempt: number;
  /** Idle long polls in the window (not in the per-delivery figures: a fixed cost per poller, not per delivery). */
  emptyReceives: number;
  /** Lambda invocations and billed milliseconds per delivery, by function. */
  lambda: Record<string, { invocationsPerDelivery: number; meanBilledMs: number; gbSecondsPerDelivery: number }>;
  /** What the stats cost per delivery: the stats function's writes (all to the stats table), invocations and dollars. */
  stats: { wcuPerDelivery: number; invocationsPerDelivery: number; costPerMillion: number };
  /** Per actor, service and operation: requests and units per delivery. */
  operations: (Pick<OperationCount, 'actor' | 'service' | 'operation'> & { requestsPerDelivery: number; wcuPerDelivery: number; rcuPerDelivery: number; messagesPerDelivery: number })[];
  cost: CostPerMillion;
}

const BENCH_ACTORS = new Set(['floor', 'bench']);

/** Requests that cost per delivery: idle receives taken out. */
const busyRequests = (o: OperationCount) => o.requests - o.emptyReceives;

/**
 * Figures for `snapshot` (a diff over one measured window) that made
 * `deliveries` deliveries with `attempts` attempts. `memoryMb` gives each
 * function's configured memory, for GB-seconds. Calls made by the bench's
 * own loops (actor `floor`) are left out unless `actors` names them.
 */
export function workFigures(snapshot: MeterSnapshot, deliveries: number, attempts: number, memoryMb: (fn: string) => number, actors?: ReadonlySet<string>): WorkFigures {
  // Lambda reads a DynamoDB stream for its event source at no charge: the local poller's GetRecords are not work to price.
  const ops = snapshot.operations.filter((o) => o.service !== 'DynamoDBStreams' && (actors ? actors.has(o.actor) : !BENCH_ACTORS.has(o.actor)));
  const per = (n: number) => (deliveries > 0 ? n / deliveries : 0);
  const sum = (list: OperationCount[], f: (o: OperationCount) => number) => list.reduce((n, o) => n + f(o), 0);
  const dynamo = ops.filter((o) => o.service === 'DynamoDB');
  const sqs = ops.filter((o) => o.service === 'SQS');
  const scheduler = ops.filter((o) => o.service === 'Scheduler');
  const senderDynamo = dynamo.filter((o) => o.actor === 'sender');
  const isRead = (o: OperationCount) => ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'].includes(o.operation);

  const lambda: WorkFigures['lambda'] = {};
  let invocations = 0;
  let gbSeconds = 0;
  let apiRequests = 0;
  for (const [fn, c] of Object.entries(snapshot.invocations)) {
    if (BENCH_ACTORS.has(fn)) continue;
    const gbs = (c.billedMs / 1000) * (memoryMb(fn) / 1024);
    lambda[fn] = { invocationsPerDelivery: per(c.invocations), meanBilledMs: c.invocations ? c.billedMs / c.invocations : 0, gbSecondsPerDelivery: per(gbs) };
    invocations += c.invocations;
    gbSeconds += gbs;
    if (fn === 'ingest' || fn === 'api') apiRequests += c.invocations;
  }

  const wcu = sum(dynamo, (o) => o.wcu + o.estimatedWcu);
  const rcu = sum(dynamo, (o) => o.rcu);
  const isFifo = (o: OperationCount) => o.operation.endsWith('(FIFO)');
  const sqsBilled = sum(sqs.filter((o) => !isFifo(o)), (o) => o.billedRequests - o.emptyReceives);
  const sqsFifoBilled = sum(sqs.filter(isFifo), (o) => o.billedRequests - o.emptyReceives);
  // A schedule costs when it fires; every created schedule fires once (ActionAfterCompletion DELETE).
  const schedules = sum(scheduler.filter((o) => o.operation === 'CreateSchedule'), (o) => o.requests - o.errors);
  const M = 1e6;
  const cost: CostPerMillion = {
    apiGateway: per(apiRequests) * LIST_PRICES.apiGatewayRequest * M,
    lambdaRequests: per(invocations) * LIST_PRICES.lambdaInvocation * M,
    lambdaCompute: per(gbSeconds) * LIST_PRICES.lambdaGbSecond * M,
    dynamoWrites: per(wcu) * LIST_PRICES.dynamoWcu * M,
    dynamoReads: per(rcu) * LIST_PRICES.dynamoRcu * M,
    sqs: (per(sqsBilled) * LIST_PRICES.sqsRequest + per(sqsFifoBilled) * LIST_PRICES.sqsFifoRequest) * M,
    scheduler: per(schedules) * LIST_PRICES.schedulerInvocation * M,
    total: 0,
  };
  cost.total = cost.apiGateway + cost.lambdaRequests + cost.lambdaCompute + cost.dynamoWrites + cost.dynamoReads + cost.sqs + cost.scheduler;
  const statsWcu = sum(dynamo.filter((o) => o.actor === 'stats'), (o) => o.wcu + o.estimatedWcu);
  const statsCalls = snapshot.invocations.stats;
  const statsGbs = statsCalls ? (statsCalls.billedMs / 1000) * (memoryMb('stats') / 1024) : 0;
  const stats = {
    wcuPerDelivery: per(statsWcu),
    invocationsPerDelivery: per(statsCalls?.invocations ?? 0),
    costPerMillion: (per(statsWcu) * LIST_PRICES.dynamoWcu + per(statsCalls?.invocations ?? 0) * LIST_PRICES.lambdaInvocation + per(statsGbs) * LIST_PRICES.lambdaGbSecond) * M,
  };

  return {
    deliveries,
    attempts,
    awsRequestsPerDelivery: per(sum(ops, busyRequests)),
    apiRequestsPerDelivery: per(apiRequests),
    dynamoRequestsPerDelivery: per(sum(dynamo, busyRequests)),
    wcuPerDelivery: per(wcu),
    rcuPerDelivery: per(rcu),
    sqsRequestsPerDelivery: per(sum(sqs, busyRequests)),
    sqsFifoRequestsPerDelivery: per(sum(sqs.filter(isFifo), busyRequests)),
    sqsMessagesPerDelivery: per(sum(sqs, (o) => o.messages)),
    senderReadsPerDelivery: per(sum(senderDynamo.filter(isRead), (o) => o.requests)),
    senderWritesPerAttempt: attempts > 0 ? sum(senderDynamo.filter((o) => !isRead(o)), (o) => o.requests) / attempts : 0,
    emptyReceives: sum(sqs, (o) => o.emptyReceives),
    lambda,
    stats,
    operations: ops
      .filter((o) => busyRequests(o) > 0)
      .map((o) => ({
        actor: o.actor,
        service: o.service,
        operation: o.operation,
        requestsPerDelivery: per(busyRequests(o)),
        wcuPerDelivery: per(o.wcu + o.estimatedWcu),
        rcuPerDelivery: per(o.rcu),
        messagesPerDelivery: per(o.messages),
      }))
      .sort((a, b) => a.actor.localeCompare(b.actor) || b.requestsPerDelivery - a.requestsPerDelivery),
    cost,
  };
}
