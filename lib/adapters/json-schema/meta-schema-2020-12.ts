/**
 * The JSON Schema 2020-12 meta-schema (https://json-schema.org/draft/2020-12/schema
 * and its seven vocabulary meta-schemas: core, applicator, unevaluated,
 * validation, meta-data, format-annotation, content), flattened into one
 * document that needs no `$dynamicRef`: every `{"$dynamicRef": "#meta"}`
 * is `{"$ref": "#"}`, and the vocabularies' `$defs` and `properties` are
 * merged at the root (no keyword is defined by two vocabularies, and all
 * of them apply to the same `["object", "boolean"]`). For the standard
 * meta-schema, which nothing extends, the two mean the same; it lets a
 * validator without dynamic references check a schema against it.
 */
const schema = { $ref: '#' } as const;

export const META_SCHEMA_2020_12 = {
  $id: 'https://billhook.dev/meta/json-schema-2020-12-flat',
  type: ['object', 'boolean'],
  properties: {
    // core
    $id: { $ref: '#/$defs/uriReferenceString', pattern: '^[^#]*#?$' },
    $schema: { $ref: '#/$defs/uriString' },
    $ref: { $ref: '#/$defs/uriReferenceString' },
    $anchor: { $ref: '#/$defs/anchorString' },
    $dynamicRef: { $ref: '#/$defs/uriReferenceString' },
    $dynamicAnchor: { $ref: '#/$defs/anchorString' },
    $vocabulary: { type: 'object', propertyNames: { $ref: '#/$defs/uriString' }, additionalProperties: { type: 'boolean' } },
    $comment: { type: 'string' },
    $defs: { type: 'object', additionalProperties: schema },
    // applicator
    prefixItems: { $ref: '#/$defs/schemaArray' },
    items: schema,
    contains: schema,
    additionalProperties: schema,
    properties: { type: 'object', additionalProperties: schema },
    patternProperties: { type: 'object', additionalProperties: schema, propertyNames: { format: 'regex' } },
    dependentSchemas: { type: 'object', additionalProperties: schema },
    propertyNames: schema,
    if: schema,
    then: schema,
    else: schema,
    allOf: { $ref: '#/$defs/schemaArray' },
    anyOf: { $ref: '#/$defs/schemaArray' },
    oneOf: { $ref: '#/$defs/schemaArray' },
    not: schema,
    // unevaluated
    unevaluatedItems: schema,
    unevaluatedProperties: schema,
    // validation
    type: {
      anyOf: [{ $ref: '#/$defs/simpleTypes' }, { type: 'array', items: { $ref: '#/$defs/simpleTypes' }, minItems: 1, uniqueItems: true }],
    },
    const: true,
    enum: { type: 'array', items: true },
    multipleOf: { type: 'number', exclusiveMinimum: 0 },
    maximum: { type: 'number' },
    exclusiveMaximum: { type: 'number' },
    minimum: { type: 'number' },
    exclusiveMinimum: { type: 'number' },
    maxLength: { $ref: '#/$defs/nonNegativeInteger' },
    minLength: { $ref: '#/$defs/nonNegativeInteger' },
    pattern: { type: 'string', format: 'regex' },
    maxItems: { $ref: '#/$defs/nonNegativeInteger' },
    minItems: { $ref: '#/$defs/nonNegativeInteger' },
    uniqueItems: { type: 'boolean' },
    maxContains: { $ref: '#/$defs/nonNegativeInteger' },
    minContains: { $ref: '#/$defs/nonNegativeInteger' },
    maxProperties: { $ref: '#/$defs/nonNegativeInteger' },
    minProperties: { $ref: '#/$defs/nonNegativeInteger' },
    required: { $ref: '#/$defs/stringArray' },
    dependentRequired: { type: 'object', additionalProperties: { $ref: '#/$defs/stringArray' } },
    // meta-data
    title: { type: 'string' },
    description: { type: 'string' },
    default: true,
    deprecated: { type: 'boolean' },
    readOnly: { type: 'boolean' },
    writeOnly: { type: 'boolean' },
    examples: { type: 'array', items: true },
    // format-annotation
    format: { type: 'string' },
    // content
    contentEncoding: { type: 'string' },
    contentMediaType: { type: 'string' },
    contentSchema: schema,
    // kept from earlier drafts by the 2020-12 meta-schema, "to prevent incompatible extensions"
    definitions: { type: 'object', additionalProperties: schema },
    dependencies: { type: 'object', additionalProperties: { anyOf: [schema, { $ref: '#/$defs/stringArray' }] } },
    $recursiveAnchor: { $ref: '#/$defs/anchorString' },
    $recursiveRef: { $ref: '#/$defs/uriReferenceString' },
  },
  $defs: {
    anchorString: { type: 'string', pattern: '^[A-Za-z_][-A-Za-z0-9._]*$' },
    uriString: { type: 'string', format: 'uri' },
    uriReferenceString: { type: 'string', format: 'uri-reference' },
    schemaArray: { type: 'array', minItems: 1, items: schema },
    nonNegativeInteger: { type: 'integer', minimum: 0 },
    simpleTypes: { enum: ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'] },
    stringArray: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  },
} as const;
