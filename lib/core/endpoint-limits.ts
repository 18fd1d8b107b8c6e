/**
 * An endpoint's delivery limits and ordering modes: plain data, shared by the
 * API contract (which the browser loads) and the lanes (lib/core/lanes.ts).
 */
export const ORDERING_MODES = ['none', 'key'] as const;
export type OrderingMode = (typeof ORDERING_MODES)[number];

/** Bounds of an endpoint's `maxInFlight` (docs/api.md). */
export const MAX_IN_FLIGHT = { min: 1, max: 1000, default: 10 } as const;

/** The effective concurrency cap of an endpoint. */
export const maxInFlightOf = (e: { maxInFlight?: number | undefined }, deploymentDefault: number = MAX_IN_FLIGHT.default): number =>
  Math.min(MAX_IN_FLIGHT.max, Math.max(MAX_IN_FLIGHT.min, Math.floor(e.maxInFlight ?? deploymentDefault)));
