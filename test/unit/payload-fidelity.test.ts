/**
 * Payload fidelity through the real routes and use cases (in-process, over
 * the in-memory adapters, whose queue encodes every message as SQS carries
 * it): one regression row per line of issue 13's table, then the rules
 * around it (duplicate keys, whitespace, idempotency, UTF-8).
 */
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { webhookBody } from '../../lib/app/deliver.ts';
import { memberTexts } from '../../lib/core/json-text.ts';
import { signatureHeaders } from '../../lib/core/signing.ts';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';
import { refuseLikeSqs } from '../support/sqs-character-rules.ts';

const api = inProcessApi();
api.deps.queue.acceptBody = refuseLikeSqs;
const T = 'ten_fidelity';
const events = `/v1/tenants/${T}/events`;

beforeAll(async () => {
  await api.call('POST', '/v1/tenants', { key: ADMIN_KEY, body: { name: 'Fidelity', id: T } });
  await api.call('POST', `/v1/tenants/${T}/endpoints`, { key: ADMIN_KEY, body: { url: 'https://fidelity.example/hook' } });
});

/** POST raw text; the queued webhook body, and the GET answer's data text. */
async function send(dataText: string, headers: Record<string, string> = {}) {
  const before = api.deps.queue.sent.length;
  const res = await api.call('POST', events, { key: ADMIN_KEY, body: `{"type":"invoice.paid","data":${dataText}}`, headers });
  const queued = api.deps.queue.sent.slice(before).map((s) => webhookBody(s.message));
  const got = res.status === 202 ? await api.call('GET', `${events}/${res.body.id}`, { key: ADMIN_KEY }) : undefined;
  return { res, queued, gotData: got && memberTexts(got.text).get('data') };
}

describe('issue 13 regression rows', () => {
  // Each row was refused (500) or silently altered before.
  it.each([
    ['non-ASCII and emoji (was a 500: SQS refused the message)', '{"s":"Zoë 💶"}'],
    ['a big integer (was 12345678901234567000)', '{"big":12345678901234567890}'],
    ['a long decimal (was 3.141592653589793)', '{"pi":3.141592653589793238462643383279}'],
    ['an out-of-range exponent (was null)', '{"exp":1e400}'],
    ['negative zero (was 0)', '{"neg0":-0}'],
  ])('%s: delivered and stored exactly as sent', async (_why, data) => {
    const { res, queued, gotData } = await send(data);
    expect(res.status).toBe(202);
    expect(queued).toHaveLength(1);
    expect(memberTexts(queued[0]!).get('data')).toBe(data);
    expect(queued[0]!.endsWith(`,"data":${data}}`)).toBe(true);
    expect(gotData).toBe(data);
  });

  it('a duplicate key (was {"k":2}, silently): 422 duplicate_key with the path, nothing stored or sent', async () => {
    const before = api.snapshot();
    const { res } = await send('{"k":1,"k":2}');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'duplicate_key', status: 422, errors: [{ path: 'data.k' }] });
    expect(api.snapshot()).toBe(before);
  });
});

describe('payload fidelity rules', () => {
  it('removes only insignificant whitespace, and signs over the exact bytes sent', async () => {
    const { queued } = await send(' {\n\t"a" : [ 1.50 , "x  y" ] ,\r\n "\\u00e9\\/" : "\\ud800" } ');
    expect(memberTexts(queued[0]!).get('data')).toBe('{"a":[1.50,"x  y"],"\\u00e9\\/":"\\ud800"}');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signatureHeaders('standard-webhooks', [secret], 'evt_x', Math.floor(Date.now() / 1000), queued[0]!);
    expect(() => new Webhook(secret).verify(queued[0]!, headers)).not.toThrow();
  });

  it('finds duplicate keys at any depth, in the batch route too, compared decoded', async () => {
    const deep = await send('{"a":{"b":[{"c":1,"\\u0063":2}]}}');
    expect(deep.res.body).toMatchObject({ code: 'duplicate_key', errors: [{ path: 'data.a.b.0.c' }] });
    const batch = await api.call('POST', `${events}/batch`, { key: ADMIN_KEY, body: '{"events":[{"type":"invoice.paid","data":{}},{"type":"invoice.paid","data":{"x":1,"x":1}}]}' });
    expect(batch.status).toBe(422);
    expect(batch.body).toMatchObject({ code: 'duplicate_key', errors: [{ path: 'events.1.data.x' }] });
    const top = await api.call('POST', events, { key: ADMIN_KEY, body: '{"type":"invoice.paid","type":"invoice.paid","data":{}}' });
    expect(top.body).toMatchObject({ code: 'duplicate_key', errors: [{ path: 'type' }] });
  });

  it('keeps each batch event’s own data text', async () => {
    const before = api.deps.queue.sent.length;
    const datas = ['{"n":1.0}', '{"n":-0,"s":"💶"}', '{"z":{"y":[1e400]}}'];
    const res = await api.call('POST', `${events}/batch`, { key: ADMIN_KEY, body: `{ "events" : [ ${datas.map((d) => `{"data": ${d}, "type":"invoice.paid"}`).join(' , ')} ] }` });
    expect(res.status).toBe(202);
    expect(api.deps.queue.sent.slice(before).map((s) => s.message.event.dataJson)).toEqual(datas);
  });

  it('treats bodies that differ only in whitespace as the same body, and a reformatted number as another', async () => {
    const first = await send('{"amount":4200.00}', { 'idempotency-key': 'fid-1' });
    const again = await send('{ "amount" : 4200.00 }', { 'idempotency-key': 'fid-1' });
    expect(again.res.status).toBe(202);
    expect(again.res.headers['idempotent-replayed']).toBe('true');
    expect(again.res.body.id).toBe(first.res.body.id);
    expect(again.queued).toHaveLength(0);
    const other = await send('{"amount":4200}', { 'idempotency-key': 'fid-1' });
    expect(other.res.status).toBe(409);
    expect(other.res.body.code).toBe('idempotency_key_reused');
  });

  it('counts the size limit on the body as sent', async () => {
    const pad = ' '.repeat(256 * 1024);
    const res = await api.call('POST', events, { key: ADMIN_KEY, body: `{"type":"invoice.paid","data":{}${pad}}` });
    expect(res.status).toBe(413);
  });

  it('refuses invalid UTF-8 with a 400, whatever the JSON around it', async () => {
    const bytes = Buffer.concat([Buffer.from('{"type":"invoice.paid","data":{"s":"'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}}')]);
    const res = await api.call('POST', events, { key: ADMIN_KEY, rawBody: bytes });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_json');
  });

  it('accepts nesting up to the depth limit and refuses one level more', async () => {
    // The body is depth 1; data adds the rest: 31 levels of data make 32 in all.
    const nested = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    expect((await send(nested(31))).res.status).toBe(202);
    expect((await send(nested(32))).res.status).toBe(422);
  });
});
