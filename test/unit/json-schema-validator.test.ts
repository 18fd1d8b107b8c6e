import { describe, expect, it } from 'vitest';
import { CfworkerSchemaValidator, pointerPath } from '../../lib/adapters/json-schema/cfworker-validator.ts';

const validator = new CfworkerSchemaValidator();
const problems = (schema: unknown) => validator.schemaProblems(schema).map((p) => `${p.path.join('.')}: ${p.message}`);
const check = (schema: unknown, data: unknown) => validator.compile(schema)(data).map((p) => `${p.path.join('.')}: ${p.message}`);

const invoiceSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['invoiceId', 'amount', 'currency'],
  additionalProperties: false,
  properties: {
    invoiceId: { type: 'string', pattern: '^inv_' },
    amount: { type: 'integer', minimum: 0 },
    currency: { enum: ['EUR', 'USD'] },
    paidAt: { type: 'string', format: 'date-time' },
    lines: { type: 'array', items: { $ref: '#/$defs/line' } },
    note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
  },
  $defs: { line: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } } } },
};

describe('Adapter: CfworkerSchemaValidator', () => {
  describe('schemaProblems', () => {
    it.each([
      ['an empty schema', {}],
      ['a typical data schema', invoiceSchema],
      ['the 2020-12 $schema with a trailing #', { $schema: 'https://json-schema.org/draft/2020-12/schema#', type: 'object' }],
      ['prefixItems, unevaluatedProperties, dependentRequired, if/then', { prefixItems: [{ type: 'string' }], unevaluatedProperties: false, dependentRequired: { a: ['b'] }, if: { required: ['a'] }, then: { required: ['b'] } }],
      ['an $anchor reference', { $defs: { money: { $anchor: 'money', type: 'integer' } }, properties: { amount: { $ref: '#money' } } }],
      ['a $ref to a property subschema', { properties: { a: { type: 'string' }, b: { $ref: '#/properties/a' } } }],
      ['unknown keywords (allowed by 2020-12)', { type: 'object', 'x-owner': 'billing' }],
    ])('accepts %s', (_name, schema) => {
      expect(problems(schema)).toEqual([]);
    });

    it.each([
      ['a type that is no JSON type', { properties: { amount: { type: 'integr' } } }, 'properties.amount.type: must be one of'],
      ['a pattern that is no regular expression', { properties: { id: { type: 'string', pattern: '([a-z' } } }, 'properties.id.pattern: String does not match format "regex"'],
      ['a negative minLength', { properties: { id: { minLength: -1 } } }, 'properties.id.minLength: -1 is less than 0'],
      ['required that is not a list of strings', { required: 'invoiceId' }, 'required: Instance type "string" is invalid'],
      ['a subschema that is not a schema', { properties: { a: 42 } }, 'properties.a: Instance type "number" is invalid'],
      ['another draft', { $schema: 'http://json-schema.org/draft-07/schema#' }, '$schema: must be https://json-schema.org/draft/2020-12/schema'],
      ['$dynamicRef', { $defs: { a: { $dynamicAnchor: 'a' } }, properties: { x: { $dynamicRef: '#a' } } }, '$dynamicAnchor is not supported'],
      ['2019-09 $recursiveRef', { properties: { x: { $recursiveRef: '#' } } }, 'properties.x.$recursiveRef: $recursiveRef is a 2019-09 keyword'],
      ['a reference to nothing', { properties: { a: { $ref: '#/$defs/missing' } } }, 'properties.a.$ref: "#/$defs/missing" does not resolve inside this schema'],
      ['a remote reference', { properties: { a: { $ref: 'https://schemas.example.com/money.json' } } }, 'does not resolve inside this schema (Billhook fetches no remote schema'],
    ])('refuses %s, naming the path', (_name, schema, expected) => {
      const found = problems(schema);
      expect(found.length).toBeGreaterThan(0);
      expect(found.join('\n')).toContain(expected);
    });

    it('refuses a schema that refers to itself without end', () => {
      expect(problems({ $ref: '#' }).join('\n')).toMatch(/^: the schema cannot be applied to this value \(Maximum call stack/);
    });

    it('refuses a schema that is not an object', () => {
      expect(problems([{ type: 'string' }])).toEqual([': must be a JSON object (a JSON Schema 2020-12)']);
    });
  });

  describe('compile', () => {
    const valid = { invoiceId: 'inv_1', amount: 4200, currency: 'EUR', paidAt: '2026-02-03T09:12:44Z', lines: [{ sku: 'pro', quantity: 2 }], note: null };

    it('passes conforming data', () => {
      expect(check(invoiceSchema, valid)).toEqual([]);
    });

    it('reports each failing place once, at its own path, without the summaries around it', () => {
      const bad = { invoiceId: 7, amount: -1, currency: 'GBP', paidAt: 'yesterday', lines: [{ sku: 1 }, { quantity: 0 }], note: 3, extra: true };
      expect(check(invoiceSchema, bad)).toEqual([
        'invoiceId: Instance type "number" is invalid. Expected "string".',
        'amount: -1 is less than 0.',
        'currency: Instance does not match any of ["EUR","USD"].',
        'paidAt: String does not match format "date-time".',
        'lines.0.sku: Instance type "number" is invalid. Expected "string".',
        'lines.1.sku: is required',
        'lines.1.quantity: 0 is less than 1.',
        'note: Instance does not match any subschemas.',
        'extra: is not allowed',
      ]);
    });

    it('reports a missing required property at its path', () => {
      expect(check(invoiceSchema, { invoiceId: 'inv_1' })).toEqual(['amount: is required', 'currency: is required']);
    });

    it('reads big numbers as JSON numbers (the text itself is never rewritten)', () => {
      expect(check({ properties: { n: { type: 'integer', minimum: 0 } } }, JSON.parse('{"n":12345678901234567890}'))).toEqual([]);
    });

    it('refuses, without throwing, a value for which the schema recurses without end', () => {
      const loops = { if: { required: ['x'] }, then: { $ref: '#' } };
      expect(problems(loops)).toEqual([]);
      expect(check(loops, {})).toEqual([]);
      expect(check(loops, { x: 1 })).toEqual([expect.stringMatching(/^: the schema cannot be applied to this value/)]);
    });

    it('does not change the schema it was given', () => {
      const schema = structuredClone(invoiceSchema);
      validator.compile(schema)(valid);
      expect(schema).toEqual(invoiceSchema);
      expect(Object.getOwnPropertyNames(schema)).toEqual(Object.getOwnPropertyNames(invoiceSchema));
    });
  });

  it.each([
    ['#', []],
    ['#/a/0/b', ['a', '0', 'b']],
    ['#/k%C3%A9%20y', ['ké y']],
    ['#/a~1b/c~0d', ['a/b', 'c~d']],
  ])('pointerPath(%s)', (pointer, expected) => {
    expect(pointerPath(pointer)).toEqual(expected);
  });
});
