/** A request id → an id safe for attempt keys and job ids. */
export const jobIdOf = (requestId: string): string => requestId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 48) || 'job';
