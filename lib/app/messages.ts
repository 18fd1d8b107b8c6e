import { deliveryId } from '../core/ids.ts';
import type { DeliveryMessage, EndpointRecord, EventRecord, WebhookPayload } from '../core/model.ts';

/** The first message of a delivery (event × endpoint). */
export function deliveryMessage(event: WebhookPayload, tenantId: string, endpoint: Pick<EndpointRecord, 'id' | 'version'>): DeliveryMessage {
  return {
    v: 1,
    deliveryId: deliveryId(event.id, endpoint.id),
    tenantId,
    endpointId: endpoint.id,
    endpointVersion: endpoint.version,
    event,
    attempt: 1,
    trigger: 'scheduled',
    createdAt: event.createdAt,
  };
}

export const payloadOf = (e: EventRecord): WebhookPayload => ({ id: e.id, type: e.type, createdAt: e.createdAt, dataJson: e.dataJson });

