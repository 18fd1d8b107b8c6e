/** Health, whoami and the OpenAPI document. */
import type { AppDeps } from '../../app/deps.ts';
import { API } from '../../contract/index.ts';
import { openApiDocument } from '../openapi.ts';
import { implement, type Route } from '../router.ts';

export const metaRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.openApi, async () => openApiDocument((await deps()).settings.version)),
  implement(API.health, async () => ({ status: 'ok' }) as const),
  implement(API.whoami, async ({ principal }) => {
    if (principal?.kind === 'tenant') return { kind: 'tenant' as const, tenantId: principal.tenantId, keyId: principal.keyId };
    if (principal?.kind === 'portal') return { kind: 'portal' as const, tenantId: principal.tenantId, sessionId: principal.sessionId, scope: principal.scope, expiresAt: principal.expiresAt };
    return { kind: 'admin' as const };
  }),
];
