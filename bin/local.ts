/**
 * `npm start`: Billhook on this machine. DynamoDB Local (data in
 * BILLHOOK_DATA_DIR, default .billhook/), the SQS emulator and the real
 * Lambda handlers behind an API Gateway shim on PORT (default 3000).
 * Settings such as BILLHOOK_RETRY_SCHEDULE or BILLHOOK_MAX_SQS_DELAY pass
 * through the environment to the handlers.
 */
import { runLocal } from '../lib/local/main.ts';

// The AWS SDK warns on every start that its 2027 releases will need Node 22.
// The deployed functions run on nodejs22.x; locally the notice is only noise.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const name = typeof warning === 'string' ? (rest[0] as { type?: string } | string | undefined) : warning.name;
  const type = typeof name === 'string' ? name : name?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

await runLocal({ argv: process.argv.slice(2) });
