/**
 * The queue encoding against the character rules of the queues it must
 * pass, written from their documentation (test/support/sqs-character-rules.ts),
 * not from the emulator.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiJson, decodeQueueMessage, encodeQueueMessage, queueSafeText } from '../../lib/core/queue-encoding.ts';
import { emulatorAccepts, realSqsAccepts } from '../support/sqs-character-rules.ts';

/** Strings from every plane, the noncharacters U+FFFE/U+FFFF, controls, and lone surrogates. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\uFFFE', '\uFFFF', '\u0000', '\u001f', '\u007f', '\u0085', '\u2028', '\uD800', '\uDFFF', '💶', '\u{10FFFF}', 'ë', '"', '\\'), maxLength: 20 }),
);

describe('the rules as written (sanity of the test itself)', () => {
  it.each([
    ['plain ASCII', 'hello {"a":1}', true, true],
    ['tab, LF, CR', '\t\n\r', true, true],
    ['NUL', '\u0000', false, false],
    ['U+FFFE', '\uFFFE', false, false],
    ['U+FFFF', '\uFFFF', false, false],
    ['U+FFFD', '\uFFFD', true, true],
    ['emoji', 'Zoë 💶', true, false],
    ['U+10FFFF', '\u{10FFFF}', true, false],
    ['lone surrogate', '\uD800', false, false],
  ])('%s: SQS %s, emulator %s', (_n, s, sqs, emu) => {
    expect(realSqsAccepts(s)).toBe(sqs);
    expect(emulatorAccepts(s)).toBe(emu);
  });
});

describe('encodeQueueMessage', () => {
  it('writes the issue’s failing payload as printable ASCII', () => {
    const body = encodeQueueMessage({ event: { dataJson: '{"s":"Zoë 💶"}' } });
    expect(body).toBe('{"event":{"dataJson":"{\\"s\\":\\"Zo\\u00eb \\ud83d\\udcb6\\"}"}}');
    expect(decodeQueueMessage(body)).toEqual({ event: { dataJson: '{"s":"Zoë 💶"}' } });
  });

  it('always passes real SQS and the emulator, and decodes to the very same strings (property)', () => {
    const message = fc.record({
      v: fc.constant(1),
      event: fc.record({ id: fc.constant('evt_1'), type: anyString, dataJson: anyString }),
      extra: fc.dictionary(anyString, fc.oneof(anyString, fc.integer(), fc.array(anyString, { maxLength: 3 })), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(message, (m) => {
        const body = encodeQueueMessage(m);
        expect(realSqsAccepts(body)).toBe(true);
        expect(emulatorAccepts(body)).toBe(true);
        expect(/^[\x20-\x7e]*$/.test(body)).toBe(true);
        expect(decodeQueueMessage(body)).toEqual(m);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves printable ASCII alone, so ordinary messages cost no bytes', () => {
    const m = { v: 1, deliveryId: 'dlv_1', event: { dataJson: '{"amount":4200,"currency":"EUR"}' } };
    expect(encodeQueueMessage(m)).toBe(JSON.stringify(m));
  });

  it('grows a body at most threefold, so a 256 KB payload fits SQS’s 1 MiB', () => {
    for (const ch of ['é', '€', '💶', '"', '\\']) {
      const data = JSON.stringify({ s: ch.repeat(1000) });
      const encoded = encodeQueueMessage({ dataJson: data });
      expect(encoded.length / new TextEncoder().encode(data).length).toBeLessThanOrEqual(3.05);
    }
  });
});

describe('asciiJson / queueSafeText', () => {
  it('escape every unit outside printable ASCII', () => {
    expect(asciiJson('"\u007f\uFFFE"')).toBe('"\\u007f\\ufffe"');
    expect(JSON.parse(asciiJson(JSON.stringify('\uD800x\u{1F4B6}')))).toBe('\uD800x\u{1F4B6}');
    expect(realSqsAccepts(queueSafeText('endpoint answered 500: Zoë \uFFFF \u0000'))).toBe(true);
  });
});
