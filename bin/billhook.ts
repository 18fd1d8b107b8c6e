/**
 * The CDK app: `npm run synth` / `npm run deploy` (cdk.json runs it with tsx).
 *
 * Context: `-c stage=prod`, `-c retrySchedule=5,300,1800`, `-c removalPolicy=destroy`, ...
 * (see CONTEXT_KEYS in lib/infra/billhook-stack.ts). cdk-nag's AWS Solutions
 * checks run on every synth; a finding that is not acknowledged (with its
 * reason, next to the resource) fails the synth.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BillhookStack } from '../lib/infra/billhook-stack.ts';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev').trim() || 'dev';

new BillhookStack(app, `Billhook-${stage}`, {
  stage,
  description: `Billhook webhook delivery (${stage})`,
  // No `env`: the template stays environment-agnostic (synth needs no credentials)
  // and deploys to whatever account and region the CLI's profile targets.
});
Tags.of(app).add('app', 'billhook');
Tags.of(app).add('stage', stage);

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
