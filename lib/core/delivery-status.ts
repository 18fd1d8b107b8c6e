/** A delivery's statuses: plain data, shared by the domain and the browser (the dashboard's filters). */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'exhausted', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
