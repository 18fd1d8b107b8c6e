/**
 * Custom header values follow RFC 9110's field-value grammar (no obs-text):
 * what the API accepts, Node can send, so no stored endpoint can make the
 * sender throw while building a request.
 */
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldValueProblem, invalidHeaderNames, isFieldValue } from '../../lib/core/header-value.ts';
import { endpointInputSchema, fieldErrors } from '../../lib/core/model.ts';
import * as z from '../../lib/core/zod.ts';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';

const acceptedAtCreate = (value: string): boolean => z.safeParse(endpointInputSchema, { url: 'https://x.example/', headers: { 'X-A': value } }).success;

const nodeAccepts = (value: string): boolean => {
  try {
    validateHeaderValue('x-a', value);
    return true;
  } catch {
    return false;
  }
};

describe('isFieldValue', () => {
  it.each(['', 'a', 'Bearer abc.def', 'a\tb', 'a b', '!~', 'x'.repeat(1024)])('accepts %j', (v) => {
    expect(isFieldValue(v)).toBe(true);
  });

  it.each([
    ['SOH', 'v\u0001x'],
    ['DEL', 'v\u007fx'],
    ['VT', 'v\u000bx'],
    ['CR LF', 'a\r\nInjected: 1'],
    ['NUL', 'a\u0000b'],
    ['non-ASCII', '日本'],
    ['LINE SEPARATOR', 'a\u2028b'],
    ['obs-text (Latin-1)', 'caf\u00e9'],
    ['leading space', ' a'],
    ['trailing tab', 'a\t'],
  ])('refuses %s', (_, v) => {
    expect(isFieldValue(v)).toBe(false);
    expect(fieldValueProblem(v)).toBeDefined();
  });

  it('names the stored headers that are refused', () => {
    expect(invalidHeaderNames({ ok: 'fine', 'X-Bad': 'v\u0001x' })).toEqual(['X-Bad']);
  });
});

describe('header values at create', () => {
  it('everything accepted at create is accepted by http.validateHeaderValue', () => {
    const anyChar = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 }));
    fc.assert(
      fc.property(anyChar, (value) => {
        if (acceptedAtCreate(value)) expect(nodeAccepts(value)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts every visible-ASCII value with inner spaces and tabs', () => {
    const visible = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(visible, fc.constantFrom(' ', '\t', ''), visible, (a, gap, b) => {
        expect(acceptedAtCreate(a + gap + b)).toBe(true);
      }),
    );
  });

  it('names the header in the 422, never echoing the value', () => {
    const r = z.safeParse(endpointInputSchema, { url: 'https://x.example/', headers: { 'X-Secret': 'tok\u0001en' } });
    expect(r.success).toBe(false);
    const fields = fieldErrors(r.error!);
    expect(fields).toEqual([{ path: 'headers.X-Secret', message: expect.stringContaining('"X-Secret"') }]);
    expect(JSON.stringify(fields)).not.toContain('tok');
  });

  it.each(['v\u0001x', 'v\u007fx', 'v\u000bx', '日本', 'a\u2028b'])('the API answers 422 for %j at create and at update', async (value) => {
    const api = inProcessApi();
    const admin = { key: ADMIN_KEY };
    await api.call('POST', '/v1/tenants', { ...admin, body: { name: 'A', id: 'ten_a' } });
    const created = await api.call('POST', '/v1/tenants/ten_a/endpoints', { ...admin, body: { url: 'https://x.example/', headers: { 'X-A': value } } });
    expect(created.status).toBe(422);
    expect(created.body.errors).toEqual([{ path: 'headers.X-A', message: expect.stringContaining('"X-A"') }]);

    const ok = await api.call('POST', '/v1/tenants/ten_a/endpoints', { ...admin, body: { url: 'https://x.example/' } });
    const patched = await api.call('PATCH', `/v1/tenants/ten_a/endpoints/${ok.body.id}`, { ...admin, body: { headers: { 'X-A': value } } });
    expect(patched.status).toBe(422);
    expect(patched.body.errors[0].path).toBe('headers.X-A');
  });
});
