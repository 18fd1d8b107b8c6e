/**
 * The CDK app as `npm run synth` builds it: one `BillhookStack` per stage,
 * tagged, with cdk-nag's AWS Solutions checks. bin/billhook.ts synthesizes
 * it; the template tests build the very same app.
 */
import { App, Tags, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BillhookStack } from './billhook-stack.ts';

/**
 * Resource types CDK can tag but whose CloudFormation schema, in some of the
 * regions the README names, has no `Tags` (cfn-lint E3002; a deploy there
 * could roll back). The app-wide tags skip them.
 */
export const UNTAGGED_RESOURCE_TYPES: readonly string[] = ['AWS::CloudWatch::Dashboard'];

/** Tags every taggable resource of the app carries. */
export const appTags = (stage: string): Record<string, string> => ({ app: 'billhook', stage });

/**
 * Build the app: `Billhook-<stage>` (context `stage`, default `dev`), tagged
 * and checked by cdk-nag.
 *
 * @example
 * const { app } = createBillhookApp();
 * app.synth();
 */
export function createBillhookApp(props: AppProps = {}): { app: App; stack: BillhookStack } {
  const app = new App(props);
  const stage = String(app.node.tryGetContext('stage') ?? 'dev').trim() || 'dev';
  const stack = new BillhookStack(app, `Billhook-${stage}`, {
    stage,
    description: `Billhook webhook delivery (${stage})`,
    // No `env`: the template stays environment-agnostic (synth needs no credentials)
    // and deploys to whatever account and region the CLI's profile targets.
  });
  for (const [key, value] of Object.entries(appTags(stage))) Tags.of(app).add(key, value, { excludeResourceTypes: [...UNTAGGED_RESOURCE_TYPES] });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
