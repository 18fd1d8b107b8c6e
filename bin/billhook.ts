/**
 * The CDK app: `npm run synth` / `npm run deploy` (cdk.json runs it with tsx).
 *
 * Context: `-c stage=prod`, `-c retrySchedule=5,300,1800`, `-c removalPolicy=destroy`, ...
 * (see CONTEXT_KEYS in lib/infra/billhook-stack.ts). cdk-nag's AWS Solutions
 * checks run on every synth; a finding that is not acknowledged (with its
 * reason, next to the resource) fails the synth. The app itself is built by
 * lib/infra/app.ts, which the template tests share.
 */
import { createBillhookApp } from '../lib/infra/app.ts';

createBillhookApp().app.synth();
