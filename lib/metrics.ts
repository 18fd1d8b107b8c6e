/**
 * The custom CloudWatch metrics, named once: the handlers emit them (EMF,
 * through Powertools) and the alarms and dashboard of
 * lib/infra/delivery-monitoring.ts watch them, both by these constants, so
 * a rename cannot leave an alarm watching nothing (a test checks every
 * watched metric is emitted). Plain data: no SDK, no CDK.
 */

/** Namespace of every custom metric. */
export const METRICS_NAMESPACE = 'Billhook';
/** Powertools' service name, the one dimension of every custom metric. */
export const METRICS_SERVICE = 'billhook';

export const METRICS = {
  /** HTTP functions: requests handled, and those answered 5xx. */
  requests: 'Requests',
  serverErrors: 'ServerErrors',
  /** Ingest: events accepted (replays excluded), and the deliveries each was routed to. */
  eventsAccepted: 'EventsAccepted',
  fanoutSize: 'FanoutSize',
  /** Sender: records received, due retries forwarded into their lanes, and how long a record waited in its queue. */
  messagesReceived: 'MessagesReceived',
  retriesForwarded: 'RetriesForwarded',
  queueLag: 'QueueLag',
  /** Sender: each outbound request, its latency and result. */
  attemptLatency: 'AttemptLatency',
  attemptsSucceeded: 'AttemptsSucceeded',
  attemptsFailed: 'AttemptsFailed',
  /** Sender: what became of each delivery message (see OUTCOME_METRICS). */
  deliveriesSucceeded: 'DeliveriesSucceeded',
  deliveriesFailed: 'DeliveriesFailed',
  deliveriesExhausted: 'DeliveriesExhausted',
  deliveriesDeferred: 'DeliveriesDeferred',
  deliveriesHeld: 'DeliveriesHeld',
  deliveriesSkipped: 'DeliveriesSkipped',
  /** Fanout: jobs received. */
  jobsReceived: 'JobsReceived',
  /** Stats: attempts counted, counter deltas written, and attempts a failed batch may have counted twice (its take-back failed). */
  statsAttemptsCounted: 'StatsAttemptsCounted',
  statsDeltasWritten: 'StatsDeltasWritten',
  statsOvercounted: 'StatsOvercounted',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** The metric a delivery outcome counts; outcomes without one (duplicates) are not counted. */
export const OUTCOME_METRICS: Readonly<Record<string, MetricName>> = {
  succeeded: METRICS.deliveriesSucceeded,
  failed: METRICS.deliveriesFailed,
  exhausted: METRICS.deliveriesExhausted,
  deferred: METRICS.deliveriesDeferred,
  held: METRICS.deliveriesHeld,
  skipped: METRICS.deliveriesSkipped,
};
