/**
 * fast-check arbitraries for JSON *text* that JSON.parse → JSON.stringify
 * would change: raw number texts (big integers, long decimals, 1e400, -0),
 * every string escape, lone surrogates as escapes, characters from every
 * plane (emoji, U+10FFFF) and the noncharacters U+FFFE/U+FFFF, nesting to a
 * given depth, and whitespace between tokens. Each value comes with the
 * text a client sends and the minified text a receiver must get.
 */
import fc from 'fast-check';

export interface JsonText {
  /** As a client might send it: whitespace between tokens. */
  text: string;
  /** The same without insignificant whitespace: what must arrive. */
  min: string;
}

const ws = fc.constantFrom('', '', '', '', ' ', '\n', '\t', '\r\n  ');

const hex4 = fc.integer({ min: 0, max: 0xffff }).chain((n) => fc.constantFrom(n.toString(16).padStart(4, '0'), n.toString(16).padStart(4, '0').toUpperCase()));
const escape = fc.oneof(
  fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u0000', '\\u001f', '\\ud800', '\\uDFFF', '\\ufffe', '\\uFFFF', '\\ud83d\\udcb6', '\\u00e9', '\\u2028'),
  hex4.map((h) => `\\u${h}`),
);
// Raw characters JSON allows unescaped: anything but '"', '\' and U+0000–U+001F (and lone surrogates, which UTF-8 cannot carry).
const special = fc.constantFrom('\uFFFE', '\uFFFF', '💶', '\u{10FFFF}', '\u{1D11E}', '\u2028', '\u2029', '\u007f', '\u0085', '\uFEFF', 'ë', '€', 'Zoë', '中文', ' ', '  ');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const raw = fc.string({ unit: 'binary', maxLength: 6 }).map((s) => [...s.replace(LONE_SURROGATE, '')].filter((c) => c !== '"' && c !== '\\' && c >= ' ').join(''));

/** A string token: raw characters and escapes mixed. */
export const stringText: fc.Arbitrary<string> = fc.array(fc.oneof(raw, special, escape), { maxLength: 6 }).map((parts) => `"${parts.join('')}"`);

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
/** A number token as raw text: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('-0', '0', '1e400', '-1e400', '12345678901234567890', '3.141592653589793238462643383279', '0.1', '1.0', '4200.00', '1E-7', '9007199254740993'),
  fc
    .tuple(fc.boolean(), fc.oneof(fc.constant('0'), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 30)).map(([a, b]) => `${a}${b}`)), fc.option(digits(1, 30)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4))))
    .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`),
);

const scalar: fc.Arbitrary<JsonText> = fc.oneof(stringText, stringText, numberText, numberText, fc.constantFrom('true', 'false', 'null')).map((t) => ({ text: t, min: t }));

const padded = (t: JsonText) => fc.tuple(ws, ws).map(([a, b]) => ({ text: a + t.text + b, min: t.min }));

function arrayOf(item: fc.Arbitrary<JsonText>): fc.Arbitrary<JsonText> {
  return fc.tuple(fc.array(item.chain(padded), { maxLength: 4 }), ws).map(([items, inner]) => ({
    text: items.length ? `[${items.map((i) => i.text).join(',')}]` : `[${inner}]`,
    min: `[${items.map((i) => i.min).join(',')}]`,
  }));
}

function objectOf(value: fc.Arbitrary<JsonText>, maxKeys = 4): fc.Arbitrary<JsonText> {
  // Keys unique once decoded ("a" and "\u0061" are the same key): duplicates are refused, not what this generates.
  return fc.tuple(fc.uniqueArray(fc.tuple(stringText, value, ws, ws, ws), { selector: ([k]) => JSON.parse(k) as string, maxLength: maxKeys }), ws).map(([members, inner]) => ({
    text: members.length ? `{${members.map(([k, v, a, b, c]) => `${a}${k}${b}:${c}${v.text}`).join(',')}}` : `{${inner}}`,
    min: `{${members.map(([k, v]) => `${k}:${v.min}`).join(',')}}`,
  }));
}

const byDepth = new Map<number, fc.Arbitrary<JsonText>>();
/** Any JSON value nested at most `depth` levels (objects and arrays count, scalars do not). */
export function valueText(depth: number): fc.Arbitrary<JsonText> {
  if (depth <= 0) return scalar;
  let arb = byDepth.get(depth);
  if (!arb) {
    const inner = valueText(depth - 1);
    arb = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: arrayOf(inner) }, { weight: 1, arbitrary: objectOf(inner) });
    byDepth.set(depth, arb);
  }
  return arb;
}

/** A chain of objects and arrays exactly `depth` levels deep (an object outermost), a scalar at the bottom. */
export function deepText(depth: number): fc.Arbitrary<JsonText> {
  return fc.tuple(fc.array(fc.tuple(fc.boolean(), stringText), { minLength: depth - 1, maxLength: depth - 1 }), scalar, stringText).map(([levels, leaf, key]) => {
    let t = leaf;
    for (const [isArray, k] of levels) t = isArray ? { text: `[ ${t.text} ]`, min: `[${t.min}]` } : { text: `{ ${k} : ${t.text} }`, min: `{${k}:${t.min}}` };
    return { text: `{${key}:${t.text}}`, min: `{${key}:${t.min}}` };
  });
}

/** Event `data`: an object nested at most `depth` levels, now and then exactly that deep. */
export function dataText(depth: number): fc.Arbitrary<JsonText> {
  return fc.oneof({ weight: 6, arbitrary: objectOf(valueText(Math.min(depth - 1, 4)), 6) }, { weight: 1, arbitrary: deepText(depth) });
}
