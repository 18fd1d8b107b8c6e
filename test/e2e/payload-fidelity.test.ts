/**
 * Payload fidelity end to end, as a property, on local mode (DynamoDB Local,
 * the SQS emulator, the real handlers): generated `data` texts go through
 * ingest (the batch route and the single route), the deliveries queue and
 * the sender to a receiver that verifies each signature with
 * `standardwebhooks`; the receiver's data text, and GET …/events/{id}'s,
 * must equal the text sent, minified.
 *
 * Cases are sent RUNS × PER_RUN at a time (one batch call and one single
 * call per run) on one system, to keep the run time reasonable.
 */
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberTexts } from '../../lib/core/json-text.ts';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { dataText, type JsonText } from '../support/json-text-arbitrary.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;

/** Runs of the property (BILLHOOK_FIDELITY_RUNS raises it for a soak; 10 runs are 250 cases). */
const RUNS = Number(process.env.BILLHOOK_FIDELITY_RUNS ?? 10);
/** Events per batch call; each run also sends one event alone. */
const BATCH = 24;
/** The body limit is 32 levels: the batch body wraps data in 3, the single body in 1. */
const BATCH_DATA_DEPTH = 29;
const SINGLE_DATA_DEPTH = 31;

describe('payload fidelity (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let secret = '';
  const tenant = 'ten_fidelity';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, env: { BILLHOOK_LOG_LEVEL: 'error' } });
    api = apiClient(local.apiUrl, local.adminKey);
    expect((await api.post('/v1/tenants', { name: 'Fidelity', id: tenant })).status).toBe(201);
    const ep = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/hook`, eventTypes: ['invoice.*'] });
    expect(ep.status).toBe(201);
    secret = (await api.get(`/v1/tenants/${tenant}/endpoints/${ep.body.id}/secret`)).body.secret;
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  /** POST a raw body; the answer as text and parsed. */
  async function post(path: string, body: string) {
    const res = await fetch(local.apiUrl + path, { method: 'POST', headers: { authorization: `Bearer ${local.adminKey}`, 'content-type': 'application/json' }, body });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as { id: string; data: { id: string }[] } };
  }

  /** Send the data texts (all but the last in one batch call, the last alone) and check every one arrived as sent. */
  async function sendAndCheck(datas: JsonText[]): Promise<void> {
    const batch = datas.slice(0, -1);
    const single = datas.at(-1)!;
    const ids: string[] = [];
    if (batch.length) {
      const res = await post(`/v1/tenants/${tenant}/events/batch`, `{ "events" : [ ${batch.map((d) => `{ "type" : "invoice.paid" , "data" : ${d.text} }`).join(' , ')} ] }`);
      expect(res.status, res.text).toBe(202);
      ids.push(...res.body.data.map((e) => e.id));
    }
    const one = await post(`/v1/tenants/${tenant}/events`, `{"type":"invoice.paid",\n "data": ${single.text}}`);
    expect(one.status, one.text).toBe(202);
    ids.push(one.body.id);

    const byId = new Map<string, string>();
    await waitFor(`${ids.length} deliveries`, () => {
      for (const r of receiver.on('/hook')) byId.set(r.headers['webhook-id'] as string, r.body);
      return ids.every((id) => byId.has(id));
    }, 30_000);
    const hooks = new Map(receiver.on('/hook').map((r) => [r.headers['webhook-id'] as string, r]));
    for (const [i, id] of ids.entries()) {
      const hit = hooks.get(id)!;
      // Signed over the exact bytes received, verified by the official library.
      expect(() => new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>)).not.toThrow();
      expect(memberTexts(hit.body).get('data'), `delivered data of ${id}`).toBe(datas[i]!.min);
      const got = await fetch(`${local.apiUrl}/v1/tenants/${tenant}/events/${id}`, { headers: { authorization: `Bearer ${local.adminKey}` } });
      expect(got.status).toBe(200);
      expect(memberTexts(await got.text()).get('data'), `stored data of ${id}`).toBe(datas[i]!.min);
    }
  }

  it('delivers the issue’s table exactly as sent (regression rows)', async () => {
    const rows = ['{"s":"Zoë 💶"}', '{"big":12345678901234567890}', '{"pi":3.141592653589793238462643383279}', '{"exp":1e400}', '{"neg0":-0}', '{"s":"\\ud800 \uFFFE\uFFFF \\u0000"}'];
    await sendAndCheck(rows.map((t) => ({ text: t, min: t })));
    const dup = await post(`/v1/tenants/${tenant}/events`, '{"type":"invoice.paid","data":{"k":1,"k":2}}');
    expect(dup.status).toBe(422);
    expect(JSON.parse(dup.text)).toMatchObject({ code: 'duplicate_key', errors: [{ path: 'data.k' }] });
    // Invalid UTF-8 stays a 400 through the gateway shim (never turned into U+FFFD and accepted).
    const bad = await fetch(`${local.apiUrl}/v1/tenants/${tenant}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${local.adminKey}`, 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"type":"invoice.paid","data":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]),
    });
    expect(bad.status).toBe(400);
  }, 60_000);

  it(`delivers generated data exactly as sent (property, ${RUNS * (BATCH + 1)} cases)`, async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(dataText(BATCH_DATA_DEPTH), { minLength: BATCH, maxLength: BATCH }), dataText(SINGLE_DATA_DEPTH), async (batch, single) => {
        await sendAndCheck([...batch, single]);
        cases += batch.length + 1;
      }),
      // Each run is a round trip through the whole system: report the first failing run rather than shrink for minutes.
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(cases).toBe(RUNS * (BATCH + 1));
  }, 180_000 + RUNS * 5_000);
});
