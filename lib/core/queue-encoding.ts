/**
 * How every message is written onto a queue (deliveries, jobs, DLQ, and the
 * Scheduler's input that lands on the deliveries queue): JSON in which every
 * character outside printable ASCII is a `\uXXXX` escape.
 *
 * Why: SQS accepts only #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD |
 * #x10000–#x10FFFF in a message body (it refuses U+FFFE raw, for example),
 * and the local emulator is stricter still (no characters beyond the BMP,
 * so no emoji). An event's data may hold any of these. Printable ASCII is
 * accepted by both, always, and `JSON.parse` turns the escapes back into
 * exactly the original text, so a payload round-trips byte for byte.
 *
 * The cost: a non-ASCII character takes 6 bytes (12 beyond the BMP), so a
 * 256 KB body of emoji grows at most threefold, inside SQS's 1 MiB.
 */

// Every UTF-16 code unit outside U+0020–U+007E. Inside JSON.stringify's output such units only occur
// in strings (control characters are already escaped there), where an escape means the same unit.
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/g;

const escapeUnit = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * JSON text → the same JSON with every non-printable-ASCII character escaped.
 * Takes text that is already JSON (e.g. from `JSON.stringify`).
 *
 * @example asciiJson('{"s":"Zoë 💶"}') === '{"s":"Zo\\u00eb \\ud83d\\udcb6"}'
 */
export function asciiJson(json: string): string {
  return json.replace(NOT_PRINTABLE_ASCII, escapeUnit);
}

/**
 * The body of a queue message: always valid for real SQS and for the emulator.
 *
 * @example JSON.parse(encodeQueueMessage(m)) deep-equals m, string for string
 */
export function encodeQueueMessage(message: unknown): string {
  const json = JSON.stringify(message);
  if (json === undefined) throw new TypeError('a queue message must be JSON-serialisable');
  return asciiJson(json);
}

/** A queue message body back to the value (the inverse of `encodeQueueMessage`). */
export const decodeQueueMessage = (body: string): unknown => JSON.parse(body);

/**
 * Free text for a message attribute (attributes obey the same character
 * rule as bodies): characters outside printable ASCII become `\uXXXX`.
 */
export const queueSafeText = (text: string): string => text.replace(NOT_PRINTABLE_ASCII, escapeUnit);
