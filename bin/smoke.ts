/**
 * npm run smoke -- --url <ApiUrl> (--admin-key <key> | --admin-key-secret <AdminKeySecretArn>) --receiver <url> [--timeout <s>]
 *
 * The post-deploy smoke check (lib/smoke.ts): a throw-away tenant and
 * endpoint on your receiver, one event, its first attempt, cleanup.
 * Exit 0 when the receiver answered 2xx, 1 when a step failed, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { runSmoke } from '../lib/smoke.ts';

const USAGE = 'usage: npm run smoke -- --url <ApiUrl> (--admin-key <key> | --admin-key-secret <AdminKeySecretArn>) --receiver <url> [--timeout <seconds>]';

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string' },
      'admin-key': { type: 'string' },
      'admin-key-secret': { type: 'string' },
      receiver: { type: 'string' },
      timeout: { type: 'string', default: '120' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** The admin key: the flag, BILLHOOK_ADMIN_KEY, or the stack's secret (read with your AWS credentials). */
async function adminKey(): Promise<string | undefined> {
  if (typeof values['admin-key'] === 'string') return values['admin-key'];
  const arn = values['admin-key-secret'];
  if (typeof arn === 'string') {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const region = arn.split(':')[3];
    const client = new SecretsManagerClient(region ? { region } : {});
    try {
      return (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    } finally {
      client.destroy();
    }
  }
  return process.env.BILLHOOK_ADMIN_KEY || undefined;
}

const url = values.url;
const receiver = values.receiver;
const timeout = Number(values.timeout);
if (typeof url !== 'string' || typeof receiver !== 'string' || !Number.isFinite(timeout) || timeout <= 0) {
  console.error(`--url and --receiver are required, --timeout is seconds > 0\n${USAGE}`);
  process.exit(2);
}
const key = await adminKey();
if (!key) {
  console.error(`no admin key: pass --admin-key, --admin-key-secret or set BILLHOOK_ADMIN_KEY\n${USAGE}`);
  process.exit(2);
}

const result = await runSmoke({ url, adminKey: key, receiver, timeoutMs: timeout * 1000, log: (line) => console.log(line) });
console.log(result.ok ? '\nsmoke check passed' : '\nsmoke check FAILED');
process.exitCode = result.ok ? 0 : 1;
