/**
 * Endpoint URLs are stored as the WHATWG parser normalises them (what the
 * sender connects to); text the parser would rewrite into another meaning is
 * refused with a 422.
 */
import { describe, expect, it } from 'vitest';
import { createEndpoint, getEndpoint, listEndpoints, updateEndpoint } from '../../lib/app/endpoints.ts';
import { displayUrl, normaliseEndpointUrl } from '../../lib/core/endpoint-url.ts';
import { endpointRecord, memoryDeps } from './fixtures.ts';

describe('normaliseEndpointUrl', () => {
  it.each([
    ['HTTPS://Example.COM:443/a/../b', 'https://example.com/b'],
    ['https://example.com', 'https://example.com/'],
    ['https://EXAMPLE.com/p?q=1#frag', 'https://example.com/p?q=1#frag'],
    ['https://[0:0:0:0:0:0:0:1]:8443/x', 'https://[::1]:8443/x'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['https://example.com/a b', 'https://example.com/a%20b'],
  ])('stores %s as %s', (raw, normalised) => {
    expect(normaliseEndpointUrl(raw)).toBe(normalised);
  });

  it.each([
    ['a backslash', 'http://127.0.0.1:9901\\@evil.example/s18', /backslash/],
    ['a leading space', ' https://example.com/', /whitespace/],
    ['a trailing newline', 'https://example.com/\n', /whitespace/],
    ['a leading tab', '\thttps://example.com/', /whitespace/],
    ['an inner tab', 'https://exa\tmple.com/', /control/],
    ['an inner newline', 'https://example.com/a\nb', /control/],
    ['NUL', 'https://example.com/\u0000', /control/],
    ['DEL', 'https://example.com/\u007f', /control/],
    ['a C1 control', 'https://example.com/\u0085', /control/],
    ['a relative URL', '/hook', /valid absolute URL/],
  ])('refuses %s with 422 on the url field', (_, raw, message) => {
    expect(() => normaliseEndpointUrl(raw)).toThrow(expect.objectContaining({ code: 'validation_failed', status: 422, fields: [{ path: 'url', message: expect.stringMatching(message) }] }));
  });

  it('shows a stored URL normalised, and an unparsable one as stored', () => {
    expect(displayUrl('http://127.0.0.1:9901\\@evil.example/s18')).toBe('http://127.0.0.1:9901/@evil.example/s18');
    expect(displayUrl('not a url')).toBe('not a url');
  });
});

describe('endpoint URLs in the use cases', () => {
  async function setup() {
    const deps = memoryDeps();
    await deps.tenants.create({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
    return deps;
  }

  it('stores and returns the normalised URL at create and at update', async () => {
    const deps = await setup();
    const ep = await createEndpoint(deps, 'ten_a', { url: 'HTTPS://X.Example/a/./hook' });
    expect(ep.url).toBe('https://x.example/a/hook');
    expect((await deps.endpoints.get('ten_a', ep.id))!.url).toBe('https://x.example/a/hook');
    const next = await updateEndpoint(deps, 'ten_a', ep.id, { url: 'https://Y.example' });
    expect(next.url).toBe('https://y.example/');
    expect((await deps.endpoints.get('ten_a', ep.id))!.url).toBe('https://y.example/');
  });

  it('refuses a backslash at create and at update, changing nothing', async () => {
    const deps = await setup();
    await expect(createEndpoint(deps, 'ten_a', { url: 'https://a.example\\@b.example/' })).rejects.toMatchObject({ code: 'validation_failed', status: 422 });
    const ep = await createEndpoint(deps, 'ten_a', { url: 'https://a.example/' });
    await expect(updateEndpoint(deps, 'ten_a', ep.id, { url: ' https://b.example/' })).rejects.toMatchObject({ code: 'validation_failed' });
    expect((await deps.endpoints.get('ten_a', ep.id))!.url).toBe('https://a.example/');
  });

  it('shows an endpoint stored before normalisation with the host it reaches', async () => {
    const deps = await setup();
    await deps.endpoints.create(endpointRecord('ten_a', 'ep_old', { url: 'https://receiver.example\\@evil.example/s18' }));
    expect((await getEndpoint(deps, 'ten_a', 'ep_old')).url).toBe('https://receiver.example/@evil.example/s18');
    expect((await listEndpoints(deps, 'ten_a', { limit: 10 })).data[0]!.url).toBe('https://receiver.example/@evil.example/s18');
  });
});
