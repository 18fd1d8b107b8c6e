/**
 * Commands as data: each action declares its arguments, options, one-line
 * summary and examples. Parsing (node:util parseArgs, strict per action) and
 * every `--help` text come from these declarations.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ApiClient } from './http.ts';
import type { OutStream, Paint } from './format.ts';
import { usageError } from './errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder for the value in help, e.g. `<n>`. */
  value?: string;
  desc: string;
  /** Not listed in help (for tests and compatibility). */
  hidden?: boolean;
}

export type Options = Record<string, OptionSpec>;
export type Flags = Record<string, string | boolean | string[] | undefined>;

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** All of stdin, or undefined when stdin is a terminal (nothing piped in). */
  readStdin?: () => Promise<Buffer | undefined>;
  /** Call back on Ctrl+C (instead of exiting); returns an unsubscribe. */
  onInterrupt?: (cb: () => void) => () => void;
  fetch?: typeof fetch;
}

export interface Ctx {
  io: CliIo;
  json: boolean;
  /** A line on stdout. */
  out(s: string): void;
  /** A line on stderr. */
  err(s: string): void;
  /** Colours for stdout and for stderr (each off when not a terminal or NO_COLOR). */
  paint: Paint;
  paintErr: Paint;
  /** The API client, connected on first use (so `verify` never needs a server or a key). */
  api(): ApiClient;
  /** `endpoints create`: for usage errors' help hints. */
  helpFor: string;
}

export interface Action {
  /** `<tenant>`, `<name>`; `[x]` optional. */
  args: string[];
  summary: string;
  options?: Options;
  examples?: string[];
  /** More text under the options. */
  notes?: string;
  /** In this action `--url` is the endpoint's URL, and the API address comes from --api-url or BILLHOOK_URL. */
  urlIsEndpoint?: boolean;
  run(ctx: Ctx, args: string[], flags: Flags): Promise<number>;
}

export interface Command {
  name: string;
  summary: string;
  /** Either subcommands (`tenants list`) or one action (`retry`). */
  subcommands?: Record<string, Action>;
  action?: Action;
}

export const GLOBAL_OPTIONS: Options = {
  url: { type: 'string', value: '<url>', desc: `API base URL (env BILLHOOK_URL; default http://127.0.0.1:3000)` },
  'api-url': { type: 'string', value: '<url>', desc: 'same as --url (use it where --url means an endpoint URL)' },
  key: { type: 'string', value: '<key>', desc: 'API key: admin or tenant (env BILLHOOK_KEY; else .billhook/admin-key of local mode)' },
  json: { type: 'boolean', desc: 'machine output: the API JSON exactly (lists: {data, nextCursor})' },
  'no-color': { type: 'boolean', desc: 'no colours (also NO_COLOR=1; never coloured when not a terminal)' },
  help: { type: 'boolean', short: 'h', desc: 'help for this command' },
};

export interface Parsed {
  command?: Command;
  sub?: string;
  action?: Action;
  /** `endpoints create`, for help hints. */
  name: string;
  args: string[];
  flags: Flags;
  help: boolean;
}

const parseConfig = (options: Options): ParseArgsConfig['options'] =>
  Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]));

/** The value-taking option names a command knows, to find positionals before strict parsing. */
function stringOptions(command: Command | undefined): Set<string> {
  const names = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === 'string').map(([k]) => k));
  const actions = command ? (command.action ? [command.action] : Object.values(command.subcommands ?? {})) : [];
  for (const a of actions) for (const [k, o] of Object.entries(a.options ?? {})) if (o.type === 'string') names.add(k);
  return names;
}

/** The first positionals (command, subcommand) of argv, skipping options and their values. */
function leadingPositionals(argv: string[], valued: Set<string>, count: number): string[] {
  const found: string[] = [];
  for (let i = 0; i < argv.length && found.length < count; i++) {
    const a = argv[i]!;
    if (a === '--') {
      found.push(...argv.slice(i + 1, i + 1 + count - found.length));
      break;
    }
    if (a.startsWith('--')) {
      if (!a.includes('=') && valued.has(a.slice(2))) i++;
    } else if (a.startsWith('-') && a.length > 1) continue;
    else found.push(a);
  }
  return found;
}

/** argv → the action and its strictly parsed arguments and flags; usage errors name the help to read. */
export function parseCommandLine(argv: string[], commands: readonly Command[]): Parsed {
  const byName = new Map(commands.map((c) => [c.name, c]));
  const [first] = leadingPositionals(argv, stringOptions(undefined), 1);
  const command = first === undefined ? undefined : byName.get(first);
  if (first !== undefined && !command) {
    const near = [...byName.keys()].filter((n) => n.startsWith(first.slice(0, 2)));
    throw usageError(`unknown command "${first}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}`);
  }
  let sub: string | undefined;
  let action = command?.action;
  let name = command?.name ?? '';
  if (command?.subcommands) {
    sub = leadingPositionals(argv, stringOptions(command), 2)[1];
    if (sub !== undefined) {
      action = command.subcommands[sub];
      if (!action) throw usageError(`unknown ${command.name} command "${sub}" (one of: ${Object.keys(command.subcommands).join(', ')})`, command.name);
      name = `${command.name} ${sub}`;
    }
  }
  const options = { ...GLOBAL_OPTIONS, ...(action?.options ?? {}) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: parseConfig(options), allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw usageError(`unknown option ${unknown[1]} for "billhook ${name || '…'}"`, name);
    throw usageError(message.split('. ')[0]!.replace(/\.$/, ''), name);
  }
  const flags = parsed.values as Flags;
  const positionals = parsed.positionals.slice(sub === undefined ? 1 : 2);
  const help = flags.help === true;
  if (!help && action) {
    const required = action.args.filter((a) => a.startsWith('<'));
    if (positionals.length < required.length) {
      throw usageError(`missing ${required.slice(positionals.length).join(' ')} (usage: billhook ${name} ${action.args.join(' ')})`, name);
    }
    if (positionals.length > action.args.length) {
      throw usageError(`unexpected argument "${positionals[action.args.length]}" (usage: billhook ${name} ${action.args.join(' ')}; quote values with spaces)`, name);
    }
  }
  return { ...(command ? { command } : {}), ...(sub !== undefined ? { sub } : {}), ...(action ? { action } : {}), name, args: positionals, flags, help };
}

const optionLines = (options: Options): string[] => {
  const rows = Object.entries(options)
    .filter(([, o]) => !o.hidden)
    .map(([k, o]) => [`${o.short ? `-${o.short}, ` : ''}--${k}${o.value ? ' ' + o.value : ''}`, o.desc] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`);
};

export const EXIT_CODES_HELP = 'Exit codes: 0 ok · 1 API error (4xx) or invalid signature · 2 usage error · 3 server unreachable · 4 server error (5xx)';

/** Help for one action: usage, options, examples. */
export function actionHelp(name: string, action: Action): string {
  const own = action.options ?? {};
  const globals = Object.fromEntries(Object.entries(GLOBAL_OPTIONS).filter(([k]) => !(action.urlIsEndpoint && k === 'url')));
  return [
    `Usage: billhook ${name}${action.args.length ? ' ' + action.args.join(' ') : ''}${Object.keys(own).length ? ' [options]' : ''}`,
    '',
    action.summary,
    ...(Object.keys(own).length ? ['', 'Options:', ...optionLines(own)] : []),
    ...(action.notes ? ['', action.notes] : []),
    '',
    'Global options:',
    ...optionLines(globals),
    ...(action.examples?.length ? ['', 'Examples:', ...action.examples.map((e) => `  ${e}`)] : []),
  ].join('\n');
}

/** Help for a command with subcommands: each one's usage and summary. */
export function commandHelp(command: Command): string {
  if (command.action) return actionHelp(command.name, command.action);
  const subs = Object.entries(command.subcommands ?? {});
  const rows = subs.map(([s, a]) => [`billhook ${command.name} ${s}${a.args.length ? ' ' + a.args.join(' ') : ''}`, a.summary] as const);
  const width = Math.max(...rows.map(([u]) => u.length));
  const examples = subs.flatMap(([, a]) => a.examples?.slice(0, 1) ?? []);
  return [
    `${command.summary}`,
    '',
    'Usage:',
    ...rows.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`),
    '',
    `Options of each: billhook ${command.name} <command> --help`,
    ...(examples.length ? ['', 'Examples:', ...examples.map((e) => `  ${e}`)] : []),
  ].join('\n');
}

/** The top-level help: every command with a one-line description, connection, exit codes, examples. */
export function topHelp(commands: readonly Command[]): string {
  const rows: [string, string][] = [];
  for (const c of commands) {
    if (c.action) rows.push([`${c.name}${c.action.args.length ? ' ' + c.action.args.join(' ') : ''}`, c.summary]);
    else for (const [s, a] of Object.entries(c.subcommands ?? {})) rows.push([`${c.name} ${s}${a.args.length ? ' ' + a.args.join(' ') : ''}`, a.summary]);
  }
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    'billhook: the command line for the Billhook webhook-delivery API (local mode or a deployment)',
    '',
    'Usage: billhook <command> [arguments] [options]',
    '',
    'Commands:',
    ...rows.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Connection: --url or BILLHOOK_URL (default http://127.0.0.1:3000, local mode); --key or BILLHOOK_KEY;',
    'without either key, the admin key that local mode wrote to .billhook/admin-key in this folder.',
    '',
    EXIT_CODES_HELP,
    '',
    'Examples:',
    '  billhook tenants create "Acme Corp" --id ten_acme',
    "  billhook endpoints create ten_acme https://acme.example/hooks --types 'invoice.*,payment.failed'",
    `  billhook events send ten_acme invoice.paid --data '{"invoiceId":"inv_1"}' --idempotency-key inv_1-paid`,
    '  billhook deliveries list ten_acme --status failed --json',
    '  billhook tail ten_acme',
    '  billhook recover ten_acme ep_… --since 2h',
    '  billhook dlq redrive --rate 10',
    "  billhook verify --secret whsec_… --headers '{\"webhook-id\":\"…\",…}' --body-file body.json",
    '',
    'More: billhook <command> --help   (e.g. billhook endpoints create --help)',
  ].join('\n');
}
