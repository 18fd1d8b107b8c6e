import type { PortalScope } from '../core/model.ts';

/** A transport-neutral HTTP request, built from an API Gateway v2 event. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Raw body as received (already base64-decoded), or undefined. */
  body?: Buffer;
  requestId: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
}

/** Who is calling. Tenant keys and portal sessions are scoped to one tenant; a session also to what its scope allows. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'tenant'; tenantId: string; keyId: string }
  | { kind: 'portal'; tenantId: string; sessionId: string; scope: PortalScope; expiresAt: string };
