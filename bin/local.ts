/**
 * `npm start`: Billhook on this machine. DynamoDB Local (data in
 * BILLHOOK_DATA_DIR, default .billhook/), the SQS emulator and the real
 * Lambda handlers behind an API Gateway shim on PORT (default 3000).
 * Settings such as BILLHOOK_RETRY_SCHEDULE or BILLHOOK_MAX_SQS_DELAY pass
 * through the environment to the handlers.
 */
import { runLocal } from '../lib/local/main.ts';

await runLocal();
