/**
 * JSON as text: validate, minify, take apart and pretty-print JSON without
 * ever turning its numbers or strings into JavaScript values and back.
 *
 * Why: `JSON.parse` then `JSON.stringify` rounds numbers
 * (12345678901234567890 → 12345678901234567000, 1e400 → null, -0 → 0),
 * rewrites escapes and silently keeps the last of two duplicate keys. A
 * webhook must reach the receiver as the billing service sent it, and be
 * signed over those bytes, so the payload travels as text from the request
 * to the receiver, and this module is the one place that reads that text.
 *
 * Pure and browser-safe (no Node APIs): the dashboard uses it too.
 */

/** Why a text is not acceptable JSON. */
export type JsonTextErrorKind = 'syntax' | 'duplicate_key' | 'too_deep';

export class JsonTextError extends Error {
  constructor(
    readonly kind: JsonTextErrorKind,
    message: string,
    /** Where: the dot-joined path of the offending member (duplicate keys, depth). */
    readonly path?: string,
    /** Where: the UTF-16 offset into the text (syntax errors). */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'JsonTextError';
  }
}

export interface MinifiedJson {
  /** The text with the whitespace between tokens removed; every token byte for byte as given. */
  minified: string;
  /** Deepest nesting of objects and arrays: a scalar is 0, `{}` is 1, `{"a":[]}` is 2. */
  depth: number;
}

/** Nesting past which any text is refused, even without a `maxDepth` of its own (bounds the recursion). */
const HARD_MAX_DEPTH = 1000;

// Character codes the scanner compares against.
const C = {
  tab: 0x09,
  lf: 0x0a,
  cr: 0x0d,
  space: 0x20,
  quote: 0x22,
  plus: 0x2b,
  comma: 0x2c,
  minus: 0x2d,
  dot: 0x2e,
  zero: 0x30,
  nine: 0x39,
  colon: 0x3a,
  openBracket: 0x5b,
  backslash: 0x5c,
  closeBracket: 0x5d,
  e: 0x65,
  E: 0x45,
  u: 0x75,
  openBrace: 0x7b,
  closeBrace: 0x7d,
} as const;

const isWs = (c: number) => c === C.space || c === C.lf || c === C.cr || c === C.tab;
const isDigit = (c: number) => c >= C.zero && c <= C.nine;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
// After a backslash: " \ / b f n r t u.
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

const pathText = (path: readonly (string | number)[]): string => path.map(String).join('.') || '(body)';

/** A recursive-descent scanner over RFC 8259 JSON that copies everything but whitespace. */
class Scanner {
  private i = 0;
  private chunkStart = 0;
  private readonly chunks: string[] = [];
  private readonly path: (string | number)[] = [];
  depth = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  run(): MinifiedJson {
    this.ws();
    if (this.i >= this.text.length) this.fail('unexpected end of JSON input');
    this.value(0);
    this.ws();
    if (this.i < this.text.length) this.fail(`unexpected ${this.describe()} after the JSON value`);
    this.chunks.push(this.text.slice(this.chunkStart, this.i));
    return { minified: this.chunks.join(''), depth: this.depth };
  }

  private fail(message: string): never {
    throw new JsonTextError('syntax', `${message} at position ${this.i}`, undefined, this.i);
  }

  private describe(): string {
    if (this.i >= this.text.length) return 'end of input';
    return `character ${JSON.stringify(this.text[this.i])}`;
  }

  /** Skip whitespace, cutting it out of the output. */
  private ws(): void {
    const t = this.text;
    if (this.i >= t.length || !isWs(t.charCodeAt(this.i))) return;
    this.chunks.push(t.slice(this.chunkStart, this.i));
    while (this.i < t.length && isWs(t.charCodeAt(this.i))) this.i++;
    this.chunkStart = this.i;
  }

  private value(level: number): void {
    const c = this.text.charCodeAt(this.i);
    if (c === C.openBrace || c === C.openBracket) {
      const inner = level + 1;
      if (inner > this.maxDepth || inner > HARD_MAX_DEPTH) {
        throw new JsonTextError('too_deep', `nested deeper than ${Math.min(this.maxDepth, HARD_MAX_DEPTH)} levels at ${pathText(this.path)}`, pathText(this.path));
      }
      if (inner > this.depth) this.depth = inner;
      if (c === C.openBrace) this.object(inner);
      else this.array(inner);
    } else if (c === C.quote) this.string();
    else if (c === C.minus || isDigit(c)) this.number();
    else if (this.text.startsWith('true', this.i)) this.i += 4;
    else if (this.text.startsWith('false', this.i)) this.i += 5;
    else if (this.text.startsWith('null', this.i)) this.i += 4;
    else this.fail(`unexpected ${this.describe()}`);
  }

  private object(level: number): void {
    this.i++; // {
    this.ws();
    if (this.text.charCodeAt(this.i) === C.closeBrace) {
      this.i++;
      return;
    }
    const keys = new Set<string>();
    for (;;) {
      if (this.text.charCodeAt(this.i) !== C.quote) this.fail(`expected a string key, found ${this.describe()}`);
      const start = this.i;
      const escaped = this.string();
      // Keys are compared decoded: "a" and "\u0061" are the same key to every parser.
      const key = escaped ? (JSON.parse(this.text.slice(start, this.i)) as string) : this.text.slice(start + 1, this.i - 1);
      if (keys.has(key)) {
        const where = pathText([...this.path, key]);
        throw new JsonTextError('duplicate_key', `duplicate key ${JSON.stringify(key)} at ${where}`, where);
      }
      keys.add(key);
      this.ws();
      if (this.text.charCodeAt(this.i) !== C.colon) this.fail(`expected ':' after a key, found ${this.describe()}`);
      this.i++;
      this.ws();
      this.path.push(key);
      this.value(level);
      this.path.pop();
      if (!this.another(C.closeBrace, "',' or '}' in an object")) return;
    }
  }

  private array(level: number): void {
    this.i++; // [
    this.ws();
    if (this.text.charCodeAt(this.i) === C.closeBracket) {
      this.i++;
      return;
    }
    for (let index = 0; ; index++) {
      this.path.push(index);
      this.value(level);
      this.path.pop();
      if (!this.another(C.closeBracket, "',' or ']' in an array")) return;
    }
  }

  /** After a member: past a ',' (true, another member follows) or past `close` (false); anything else fails. */
  private another(close: number, expected: string): boolean {
    this.ws();
    const c = this.text.charCodeAt(this.i);
    if (c !== C.comma && c !== close) this.fail(`expected ${expected}, found ${this.describe()}`);
    this.i++;
    if (c === close) return false;
    this.ws();
    return true;
  }

  /** Scan a string token; true when it holds an escape. */
  private string(): boolean {
    const t = this.text;
    let escaped = false;
    this.i++; // opening quote
    for (;;) {
      if (this.i >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.i);
      if (c === C.quote) {
        this.i++;
        return escaped;
      }
      if (c < 0x20) this.fail(`control character U+${c.toString(16).padStart(4, '0').toUpperCase()} must be escaped in a string`);
      if (c === C.backslash) {
        escaped = true;
        const n = t.charCodeAt(this.i + 1);
        if (SIMPLE_ESCAPES.has(n)) this.i += 2;
        else if (n === C.u) {
          for (let k = 2; k < 6; k++) {
            if (!isHex(t.charCodeAt(this.i + k))) {
              this.i += k;
              this.fail('bad \\u escape in a string');
            }
          }
          this.i += 6;
        } else {
          this.i++;
          this.fail(`bad escape ${this.describe()} in a string`);
        }
      } else this.i++;
    }
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): void {
    const t = this.text;
    if (t.charCodeAt(this.i) === C.minus) this.i++;
    const first = t.charCodeAt(this.i);
    if (first === C.zero) this.i++;
    else if (isDigit(first)) while (isDigit(t.charCodeAt(this.i))) this.i++;
    else this.fail('expected a digit in a number');
    if (t.charCodeAt(this.i) === C.dot) {
      this.i++;
      if (!isDigit(t.charCodeAt(this.i))) this.fail('expected a digit after the decimal point');
      while (isDigit(t.charCodeAt(this.i))) this.i++;
    }
    const e = t.charCodeAt(this.i);
    if (e === C.e || e === C.E) {
      this.i++;
      const s = t.charCodeAt(this.i);
      if (s === C.plus || s === C.minus) this.i++;
      if (!isDigit(t.charCodeAt(this.i))) this.fail('expected a digit in the exponent');
      while (isDigit(t.charCodeAt(this.i))) this.i++;
    }
  }
}

/**
 * Validate JSON text (RFC 8259, with I-JSON's rule that object keys are
 * unique) and remove its insignificant whitespace, leaving every number,
 * string and escape exactly as written.
 *
 * @throws JsonTextError `syntax` for invalid JSON, `duplicate_key` for a key
 *   repeated in one object (compared decoded), `too_deep` past `maxDepth`.
 * @example minifyJson('{ "n": 1.50, "s": "\\u00e9" }').minified === '{"n":1.50,"s":"\\u00e9"}'
 */
export function minifyJson(text: string, options: { maxDepth?: number } = {}): MinifiedJson {
  return new Scanner(text, options.maxDepth ?? HARD_MAX_DEPTH).run();
}

/** End (exclusive) of the value that starts at `i` in minified, valid JSON. */
function skipValue(m: string, i: number): number {
  const c = m.charCodeAt(i);
  if (c === C.quote) return skipString(m, i);
  if (c === C.openBrace || c === C.openBracket) {
    let level = 0;
    for (let j = i; j < m.length; j++) {
      const d = m.charCodeAt(j);
      if (d === C.quote) j = skipString(m, j) - 1;
      else if (d === C.openBrace || d === C.openBracket) level++;
      else if (d === C.closeBrace || d === C.closeBracket) {
        if (--level === 0) return j + 1;
      }
    }
    return m.length;
  }
  let j = i;
  while (j < m.length) {
    const d = m.charCodeAt(j);
    if (d === C.comma || d === C.closeBrace || d === C.closeBracket) break;
    j++;
  }
  return j;
}

function skipString(m: string, i: number): number {
  for (let j = i + 1; j < m.length; j++) {
    const d = m.charCodeAt(j);
    if (d === C.backslash) j++;
    else if (d === C.quote) return j + 1;
  }
  return m.length;
}

/**
 * The members of a JSON object as raw, minified text, in the order written.
 * The keys are decoded; the values are exact sub-texts, ready to splice.
 *
 * @throws JsonTextError when `text` is not valid JSON, or TypeError when it is not an object.
 * @example memberTexts('{"type":"a","data":{"n":1.0}}').get('data') === '{"n":1.0}'
 */
export function memberTexts(text: string): Map<string, string> {
  const m = minifyJson(text).minified;
  if (m.charCodeAt(0) !== C.openBrace) throw new TypeError('JSON text is not an object');
  const out = new Map<string, string>();
  let i = 1;
  while (m.charCodeAt(i) === C.quote) {
    const keyEnd = skipString(m, i);
    const key = JSON.parse(m.slice(i, keyEnd)) as string;
    const valueEnd = skipValue(m, keyEnd + 1);
    out.set(key, m.slice(keyEnd + 1, valueEnd));
    i = valueEnd + 1; // past ',' or '}'
  }
  return out;
}

/**
 * The elements of a JSON array as raw, minified text, in order.
 *
 * @throws JsonTextError when `text` is not valid JSON, or TypeError when it is not an array.
 */
export function elementTexts(text: string): string[] {
  const m = minifyJson(text).minified;
  if (m.charCodeAt(0) !== C.openBracket) throw new TypeError('JSON text is not an array');
  const out: string[] = [];
  let i = 1;
  while (i < m.length && m.charCodeAt(i) !== C.closeBracket) {
    const end = skipValue(m, i);
    out.push(m.slice(i, end));
    i = end + 1;
  }
  return out;
}

/**
 * Pretty-print JSON text without parsing it: line breaks and indentation
 * between tokens, every number and string exactly as written (a display
 * must never round an amount). Empty objects and arrays stay `{}` and `[]`.
 *
 * @throws JsonTextError when `text` is not valid JSON.
 * @example prettyJson('{"a":[1e400]}') === '{\n  "a": [\n    1e400\n  ]\n}'
 */
export function prettyJson(text: string, indent = '  '): string {
  const m = minifyJson(text).minified;
  const out: string[] = [];
  let level = 0;
  let start = 0; // start of the pending run of copied characters
  const newline = () => '\n' + indent.repeat(level);
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (c === C.quote) {
      i = skipString(m, i) - 1;
      continue;
    }
    if (c === C.openBrace || c === C.openBracket) {
      const next = m.charCodeAt(i + 1);
      if (next === C.closeBrace || next === C.closeBracket) {
        i++; // empty: keep `{}` / `[]` together
        continue;
      }
      level++;
      out.push(m.slice(start, i + 1), newline());
      start = i + 1;
    } else if (c === C.closeBrace || c === C.closeBracket) {
      level--;
      out.push(m.slice(start, i), newline());
      start = i;
    } else if (c === C.comma) {
      out.push(m.slice(start, i + 1), newline());
      start = i + 1;
    } else if (c === C.colon) {
      out.push(m.slice(start, i + 1), ' ');
      start = i + 1;
    }
  }
  out.push(m.slice(start));
  return out.join('');
}

/**
 * JSON text to splice into a response as is. Only ever made from text that
 * was validated (by `minifyJson`) or serialised by `JSON.stringify`.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * `JSON.stringify` for API answers that carry `RawJson`: the raw text is
 * spliced in untouched, everything else serialised as `JSON.stringify`
 * would (toJSON honoured, undefined members dropped, undefined in arrays as null).
 *
 * @example stringifyJson({ id: 'evt_1', data: new RawJson('{"n":1.0}') }) === '{"id":"evt_1","data":{"n":1.0}}'
 */
export function stringifyJson(value: unknown): string | undefined {
  if (value instanceof RawJson) return value.text;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return '[' + value.map((v) => stringifyJson(v) ?? 'null').join(',') + ']';
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const s = stringifyJson((value as Record<string, unknown>)[key]);
    if (s !== undefined) parts.push(JSON.stringify(key) + ':' + s);
  }
  return '{' + parts.join(',') + '}';
}
