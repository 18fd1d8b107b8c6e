import { describe, expect, it } from 'vitest';
import { createEndpoint, getEndpointPublicKey, getEndpointSecret, rotateEndpointSecret, updateEndpoint } from '../../lib/app/endpoints.ts';
import { ed25519PublicKey } from '../../lib/core/signing.ts';
import { memoryDeps } from './fixtures.ts';

async function setup() {
  const deps = memoryDeps();
  await deps.tenants.create({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
  return deps;
}

describe('endpoints', () => {
  it('creates with defaults and never returns the secret', async () => {
    const deps = await setup();
    const ep = await createEndpoint(deps, 'ten_a', { url: 'https://x.example/hook', headers: { authorization: 'Bearer token-of-receiver' } });
    expect(ep).toMatchObject({ eventTypes: ['*'], status: 'enabled', signatureScheme: 'standard-webhooks', retrySchedule: [5, 300], headerNames: ['authorization'] });
    expect(JSON.stringify(ep)).not.toMatch(/whsec_|token-of-receiver/);
    expect((await getEndpointSecret(deps, 'ten_a', ep.id)).secret).toMatch(/^whsec_/);
  });

  it('rejects unknown event types with the failing index', async () => {
    const deps = await setup();
    await expect(createEndpoint(deps, 'ten_a', { url: 'https://x.example', eventTypes: ['invoice.*', 'invoce.paid'] })).rejects.toMatchObject({
      code: 'unknown_event_type',
      fields: [{ path: 'eventTypes.1', message: expect.stringContaining('invoce.paid') }],
    });
    expect(deps.endpoints.items.size).toBe(0);
  });

  it('updates with optimistic versions and re-enables with the reason cleared', async () => {
    const deps = await setup();
    const ep = await createEndpoint(deps, 'ten_a', { url: 'https://x.example', disabled: true });
    expect(ep).toMatchObject({ status: 'disabled', disabledReason: 'disabled by user' });
    const next = await updateEndpoint(deps, 'ten_a', ep.id, { disabled: false, eventTypes: ['invoice.paid', 'invoice.paid'] });
    expect(next).toMatchObject({ status: 'enabled', eventTypes: ['invoice.paid'] });
    expect(next.disabledReason).toBeUndefined();
    expect((await deps.endpoints.get('ten_a', ep.id))!.version).toBe(2);
  });

  describe('Ed25519 endpoints', () => {
    it('get a generated key pair whose public key is retrievable and whose private key is not', async () => {
      const deps = await setup();
      const ep = await createEndpoint(deps, 'ten_a', { url: 'https://x.example', signatureScheme: 'standard-webhooks-ed25519' });
      const stored = (await deps.endpoints.get('ten_a', ep.id))!;
      expect(stored.secret).toMatch(/^whsk_/);
      expect(await getEndpointPublicKey(deps, 'ten_a', ep.id)).toEqual({ publicKey: ed25519PublicKey(stored.secret) });
      await expect(getEndpointSecret(deps, 'ten_a', ep.id)).rejects.toMatchObject({ code: 'conflict' });
    });

    it('refuse a supplied secret, and rotate to a new key pair', async () => {
      const deps = await setup();
      await expect(createEndpoint(deps, 'ten_a', { url: 'https://x.example', signatureScheme: 'standard-webhooks-ed25519', secret: 'whsec_' + Buffer.alloc(32).toString('base64') })).rejects.toMatchObject({ code: 'validation_failed' });
      const ep = await createEndpoint(deps, 'ten_a', { url: 'https://x.example', signatureScheme: 'standard-webhooks-ed25519' });
      const before = await getEndpointPublicKey(deps, 'ten_a', ep.id);
      const rotated = await rotateEndpointSecret(deps, 'ten_a', ep.id);
      expect(rotated).toEqual({ publicKey: expect.stringMatching(/^whpk_/) });
      expect(rotated).not.toEqual(before);
      expect((await deps.endpoints.get('ten_a', ep.id))!.previousSecrets).toHaveLength(1);
    });

    it('switching between HMAC and Ed25519 issues a new key of the right kind', async () => {
      const deps = await setup();
      const ep = await createEndpoint(deps, 'ten_a', { url: 'https://x.example' });
      await updateEndpoint(deps, 'ten_a', ep.id, { signatureScheme: 'standard-webhooks-ed25519' });
      expect((await deps.endpoints.get('ten_a', ep.id))!.secret).toMatch(/^whsk_/);
      await updateEndpoint(deps, 'ten_a', ep.id, { signatureScheme: 'hmac-sha256-hex' });
      expect((await deps.endpoints.get('ten_a', ep.id))!.secret).toMatch(/^whsec_/);
      await expect(getEndpointPublicKey(deps, 'ten_a', ep.id)).rejects.toMatchObject({ code: 'conflict' });
    });
  });
});
