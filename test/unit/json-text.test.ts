import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elementTexts, JsonTextError, memberTexts, minifyJson, prettyJson, RawJson, stringifyJson } from '../../lib/core/json-text.ts';

const errorOf = (f: () => unknown): JsonTextError => {
  try {
    f();
  } catch (e) {
    if (e instanceof JsonTextError) return e;
    throw e;
  }
  throw new Error('expected a JsonTextError');
};

describe('minifyJson', () => {
  it.each([
    ['{ "big" : 12345678901234567890 }', '{"big":12345678901234567890}'],
    ['{"pi": 3.141592653589793238462643383279}', '{"pi":3.141592653589793238462643383279}'],
    ['{"exp":1e400, "neg0": -0, "e": 1E+2, "f": 0.10e-0}', '{"exp":1e400,"neg0":-0,"e":1E+2,"f":0.10e-0}'],
    ['{"s":"Zoë 💶", "esc": "\\u00e9\\/\\ud800\\n"}', '{"s":"Zoë 💶","esc":"\\u00e9\\/\\ud800\\n"}'],
    ['\t[ 1 ,\r\n 2 , { } , [ ] , "a b" , true , false , null ]\n', '[1,2,{},[],"a b",true,false,null]'],
    ['"  spaces  inside  stay  "', '"  spaces  inside  stay  "'],
    ['{"\uFFFE\uFFFF":"\u2028\u2029\u007f\u0080"}', '{"\uFFFE\uFFFF":"\u2028\u2029\u007f\u0080"}'],
  ])('%s → %s', (input, out) => {
    expect(minifyJson(input).minified).toBe(out);
  });

  it.each([
    ['', 'end'],
    ['{', 'key'],
    ['{"a":1,}', 'key'],
    ['[1,]', 'unexpected'],
    ['01', 'after'],
    ['1.', 'decimal'],
    ['-', 'digit'],
    ['1e', 'exponent'],
    ['+1', 'unexpected'],
    ['NaN', 'unexpected'],
    ['"a\tb"', 'control'],
    ['"\\x"', 'escape'],
    ['"\\u12G4"', '\\u'],
    ['"abc', 'unterminated'],
    ["{'a':1}", 'key'],
    ['[1] [2]', 'after'],
    ['\u00a0[]', 'unexpected'],
    ['tru', 'unexpected'],
  ])('refuses %j (%s)', (input, words) => {
    const e = errorOf(() => minifyJson(input));
    expect(e.kind).toBe('syntax');
    expect(e.message).toContain(words);
  });

  it('finds duplicate keys anywhere, compared decoded, and names the path', () => {
    expect(errorOf(() => minifyJson('{"k":1,"k":2}'))).toMatchObject({ kind: 'duplicate_key', path: 'k' });
    expect(errorOf(() => minifyJson('{"data":{"a":[{"x":1},{"x":1,"\\u0078":2}]}}'))).toMatchObject({ kind: 'duplicate_key', path: 'data.a.1.x' });
    // Not duplicates: the same key in sibling objects, keys that differ only after decoding.
    expect(minifyJson('[{"x":1},{"x":2},{"\\u0078y":1,"x":3}]').depth).toBe(2);
  });

  it('measures depth and refuses past maxDepth, even with no end in sight', () => {
    expect(minifyJson('1').depth).toBe(0);
    expect(minifyJson('{"a":[1,{"b":2}]}').depth).toBe(3);
    expect(minifyJson('['.repeat(32) + ']'.repeat(32), { maxDepth: 32 }).depth).toBe(32);
    expect(errorOf(() => minifyJson('['.repeat(33) + ']'.repeat(33), { maxDepth: 32 })).kind).toBe('too_deep');
    expect(errorOf(() => minifyJson('['.repeat(100_000))).kind).toBe('too_deep');
  });

  it('accepts exactly what JSON.parse accepts, duplicates aside, and means the same (property)', () => {
    const almostJson = fc.oneof(
      fc.json().map((t) => t.replace(/,/g, ' , ').replace(/:/g, ' :\n')),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.stringMatching(/^[\s[\]{}",:0-9eE.+\-tfnrul\\]{0,16}$/),
    );
    fc.assert(
      fc.property(almostJson, (text) => {
        let parsed: { ok: boolean; value?: unknown } = { ok: true };
        try {
          parsed.value = JSON.parse(text);
        } catch {
          parsed = { ok: false };
        }
        let minified: string | undefined;
        try {
          minified = minifyJson(text).minified;
        } catch (e) {
          if (!(e instanceof JsonTextError)) throw e;
          if (e.kind === 'duplicate_key') return; // JSON.parse keeps the last; we refuse
          expect(parsed.ok, `${JSON.stringify(text)}: ${e.message}`).toBe(false);
          return;
        }
        expect(parsed.ok, JSON.stringify(text)).toBe(true);
        expect(JSON.parse(minified)).toEqual(parsed.value);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('memberTexts / elementTexts', () => {
  it('give the raw text of members and elements, in order', () => {
    const m = memberTexts(' { "type" : "x" , "data" : { "n" : 1.0 , "s" : "\\u00e9" } , "\\u0069d" : null } ');
    expect([...m]).toEqual([
      ['type', '"x"'],
      ['data', '{"n":1.0,"s":"\\u00e9"}'],
      ['id', 'null'],
    ]);
    expect(elementTexts('[ {"a":"],}"} , 1e400 , "x\\"" , [ ] ]')).toEqual(['{"a":"],}"}', '1e400', '"x\\""', '[]']);
    expect(elementTexts('[]')).toEqual([]);
    expect(memberTexts('{}').size).toBe(0);
  });

  it('refuse what is not the container they read', () => {
    expect(() => memberTexts('[1]')).toThrow(TypeError);
    expect(() => elementTexts('{}')).toThrow(TypeError);
    expect(() => memberTexts('{"a":}')).toThrow(JsonTextError);
  });
});

describe('prettyJson', () => {
  it('indents without touching a token', () => {
    expect(prettyJson('{"a":[1e400,-0,{}],"b":{"c":"x, y: {z}"},"d":[]}')).toBe(
      '{\n  "a": [\n    1e400,\n    -0,\n    {}\n  ],\n  "b": {\n    "c": "x, y: {z}"\n  },\n  "d": []\n}',
    );
    expect(prettyJson('12345678901234567890')).toBe('12345678901234567890');
  });

  it('prints what JSON.stringify(v, null, 2) prints for plain values, and minifies back to the input (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(prettyJson(text)).toBe(JSON.stringify(v, null, 2));
        expect(minifyJson(prettyJson(text)).minified).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('stringifyJson', () => {
  it('splices RawJson in untouched', () => {
    expect(stringifyJson({ id: 'evt_1', data: new RawJson('{"big":12345678901234567890}'), list: [new RawJson('-0')] })).toBe('{"id":"evt_1","data":{"big":12345678901234567890},"list":[-0]}');
  });

  it('is JSON.stringify for everything else (property)', () => {
    const extras = fc.record({ u: fc.constant(undefined), d: fc.date({ noInvalidDate: true }), arr: fc.constant([undefined, 1]) });
    fc.assert(
      fc.property(fc.jsonValue(), extras, (v, x) => {
        expect(stringifyJson(v)).toBe(JSON.stringify(v));
        expect(stringifyJson({ v, ...x })).toBe(JSON.stringify({ v, ...x }));
      }),
      { numRuns: 500 },
    );
  });
});
