/** `billhook event-types …`: the catalogue endpoints subscribe to, with descriptions, JSON Schemas and examples. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { elementTexts, JsonTextError, memberTexts, minifyJson, prettyJson } from '../../core/json-text.ts';
import { CliError, EXIT, usageError } from '../errors.ts';
import { apiPath } from '../http.ts';
import type { Command, Ctx, Flags } from '../spec.ts';
import { printList, printRecord, str, type Row } from './common.ts';

const NOTE_CACHE = 'Instances cache the catalogue: a change reaches every warm instance within 30 s.';

/**
 * A JSON document from a file (`-` = stdin), minified but otherwise as
 * written: an example's numbers are sent (and stored) exactly as in the file.
 */
async function readJsonFile(ctx: Ctx, flags: Flags, option: 'schema' | 'example'): Promise<string | undefined> {
  const file = str(flags, option);
  if (file === undefined) return undefined;
  let raw: string;
  if (file === '-') raw = (await ctx.io.readStdin?.())?.toString('utf8') ?? '';
  else {
    try {
      raw = readFileSync(path.resolve(ctx.io.cwd, file), 'utf8');
    } catch (e) {
      throw usageError(`--${option}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, ctx.helpFor);
    }
  }
  try {
    return minifyJson(raw).minified;
  } catch (e) {
    // A duplicate key is for the API to refuse (422 duplicate_key, with the path).
    if (e instanceof JsonTextError && e.kind !== 'syntax') return raw.trim();
    throw usageError(`--${option}: ${file === '-' ? 'stdin' : file} is not valid JSON (${(e as Error).message})`, ctx.helpFor);
  }
}

/** The entries of a GET /v1/event-types answer, each with its own JSON text. */
function entries(text: string): { row: Row; text: string }[] {
  return elementTexts(memberTexts(text).get('data') ?? '[]').map((t) => ({ row: JSON.parse(t) as Row, text: t }));
}

export const eventTypes: Command = {
  name: 'event-types',
  summary: 'The event-type catalogue: descriptions, JSON Schemas checked at ingest, examples (changes: admin key).',
  subcommands: {
    list: {
      args: [],
      summary: 'List the catalogue: Billhook’s defaults, the deployment’s extras and stored definitions',
      examples: ['billhook event-types list', 'billhook event-types list --json'],
      async run(ctx) {
        const res = await ctx.api().request<{ data: Row[] }>('GET', '/v1/event-types');
        printList(
          ctx,
          { data: res.body.data, nextCursor: null },
          [
            { header: 'TYPE', value: (t) => t.type },
            { header: 'SOURCE', value: (t) => t.source },
            { header: 'SCHEMA', value: (t) => (t.schema === undefined ? '' : 'yes') },
            { header: 'DESCRIPTION', value: (t) => t.description, max: 70 },
          ],
          res.text,
        );
        return EXIT.ok;
      },
    },
    get: {
      args: ['<type>'],
      summary: 'Show one type with its schema and example (printed from the API’s text: no number rounded)',
      examples: ['billhook event-types get wallet.topped_up'],
      async run(ctx, [type]) {
        const res = await ctx.api().request<{ data: Row[] }>('GET', '/v1/event-types');
        const found = entries(res.text).find((e) => e.row.type === type);
        if (!found) throw new CliError(EXIT.api, `error: event type ${type} is not in the catalogue (billhook event-types list)`);
        const parts = memberTexts(found.text);
        const extra = (['schema', 'example'] as const)
          .filter((k) => parts.has(k))
          .map((k) => `${ctx.paint.dim(`${k}:`)}\n${prettyJson(parts.get(k)!)}`)
          .join('\n');
        printRecord(ctx, found.row, [['type', found.row.type], ['source', found.row.source], ['description', found.row.description]], extra || undefined, found.text);
        return EXIT.ok;
      },
    },
    put: {
      args: ['<type>'],
      summary: 'Define a type or replace its definition (admin key)',
      options: {
        description: { type: 'string', value: '<text>', desc: 'what the event means (required)' },
        schema: { type: 'string', value: '<file>', desc: 'a JSON Schema 2020-12 for the events’ data, from a file (- = stdin); ingest refuses data that does not satisfy it' },
        example: { type: 'string', value: '<file>', desc: 'an example data object, from a file (- = stdin); must satisfy the schema; what a test send of this type delivers' },
      },
      notes: `The definition replaces the type's entry whole (a default included). endpoint.* and delivery.* are reserved. ${NOTE_CACHE}`,
      examples: [
        "billhook event-types put acme.thing_happened --description 'A thing happened.'",
        "billhook event-types put wallet.topped_up --description 'Credits were added to a wallet.' --schema wallet.schema.json --example wallet.example.json",
      ],
      async run(ctx, [type], flags) {
        const description = str(flags, 'description');
        if (description === undefined) throw usageError('missing --description <text>', ctx.helpFor);
        if (str(flags, 'schema') === '-' && str(flags, 'example') === '-') throw usageError('only one of --schema and --example can read stdin', ctx.helpFor);
        const schema = await readJsonFile(ctx, flags, 'schema');
        const example = await readJsonFile(ctx, flags, 'example');
        const body = `{"description":${JSON.stringify(description)}${schema === undefined ? '' : `,"schema":${schema}`}${example === undefined ? '' : `,"example":${example}`}}`;
        const res = await ctx.api().request<Row>('PUT', apiPath('/v1/event-types', type), { rawBody: body });
        printRecord(ctx, res.body, [['type', res.body.type], ['source', res.body.source], ['description', res.body.description], ['schema', res.body.schema === undefined ? undefined : 'yes'], ['example', res.body.example === undefined ? undefined : 'yes']], undefined, res.text);
        if (!ctx.json) ctx.err(ctx.paintErr.dim(NOTE_CACHE));
        return EXIT.ok;
      },
    },
    delete: {
      args: ['<type>'],
      summary: 'Drop a stored definition: a default or deployment type returns to what it was (admin key)',
      notes: `Endpoints keep their subscriptions; events of a type that no longer exists are refused. ${NOTE_CACHE}`,
      examples: ['billhook event-types delete acme.thing_happened'],
      async run(ctx, [type]) {
        await ctx.api().delete(apiPath('/v1/event-types', type));
        if (!ctx.json) {
          ctx.out(`dropped the stored definition of ${type}`);
          ctx.err(ctx.paintErr.dim(NOTE_CACHE));
        }
        return EXIT.ok;
      },
    },
  },
};
