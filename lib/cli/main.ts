/**
 * `npx billhook …`: the command line for the Billhook HTTP API, in local mode
 * or against a deployment. Human tables by default, `--json` for scripts.
 * Exit codes: 0 ok, 1 API error (4xx) or invalid signature, 2 usage error,
 * 3 server unreachable, 4 server error (5xx).
 */
import { deliveries, events } from './commands/events.ts';
import { endpoints } from './commands/endpoints.ts';
import { eventTypes } from './commands/event-types.ts';
import { dlq, recover, retry } from './commands/replay.ts';
import { tail } from './commands/tail.ts';
import { keys, tenants } from './commands/tenants.ts';
import { verify } from './commands/verify.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { colourEnabled, paint } from './format.ts';
import { ApiClient, resolveConnection } from './http.ts';
import { actionHelp, commandHelp, parseCommandLine, topHelp, type CliIo, type Command, type Ctx } from './spec.ts';

export { EXIT } from './errors.ts';
export type { CliIo } from './spec.ts';

export const COMMANDS: readonly Command[] = [tenants, keys, endpoints, eventTypes, events, deliveries, tail, retry, recover, dlq, verify];

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const noColor = argv.includes('--no-color');
  const paintErr = paint(!noColor && colourEnabled(io.stderr, io.env));
  const fail = (e: CliError) => {
    io.stderr.write(e.message.replace(/^error:/, paintErr.red('error:')) + '\n');
    return e.exitCode;
  };
  // `billhook help endpoints create` = `billhook endpoints create --help`
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(args, COMMANDS);
  } catch (e) {
    if (e instanceof CliError) return fail(e);
    throw e;
  }
  const { command, action, flags } = parsed;
  if (!command) {
    if (parsed.help) {
      io.stdout.write(topHelp(COMMANDS) + '\n');
      return EXIT.ok;
    }
    io.stderr.write(topHelp(COMMANDS) + '\n');
    return fail(usageError('missing a command'));
  }
  if (!action) {
    if (parsed.help) {
      io.stdout.write(commandHelp(command) + '\n');
      return EXIT.ok;
    }
    io.stderr.write(commandHelp(command) + '\n\n');
    return fail(usageError(`missing the ${command.name} subcommand (one of: ${Object.keys(command.subcommands ?? {}).join(', ')})`, command.name));
  }
  if (parsed.help) {
    io.stdout.write(actionHelp(parsed.name, action) + '\n');
    return EXIT.ok;
  }

  let client: ApiClient | undefined;
  const ctx: Ctx = {
    io,
    json: flags.json === true,
    out: (s) => io.stdout.write(s + '\n'),
    err: (s) => io.stderr.write(s + '\n'),
    paint: paint(!noColor && colourEnabled(io.stdout, io.env)),
    paintErr,
    helpFor: parsed.name,
    api() {
      if (!client) {
        const apiUrl = flags['api-url'] ?? (action.urlIsEndpoint ? undefined : flags.url);
        const connection = resolveConnection({ url: apiUrl as string | undefined, key: flags.key as string | undefined }, io.env, io.cwd, (note) => io.stderr.write(paintErr.dim(note) + '\n'));
        client = new ApiClient(connection, io.fetch);
      }
      return client;
    },
  };
  try {
    return await action.run(ctx, parsed.args, flags);
  } catch (e) {
    if (e instanceof CliError) return fail(e);
    const err = e as Error;
    io.stderr.write(`${paintErr.red('error:')} ${err.message}\n${io.env.BILLHOOK_DEBUG ? (err.stack ?? '') + '\n' : ''}`);
    return EXIT.api;
  }
}
