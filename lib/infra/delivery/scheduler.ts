/**
 * The retry scheduler for delays beyond SQS's 900 s: an EventBridge
 * Scheduler group for one-shot schedules, and the role they assume, which
 * may only send to the retries queue and the schedules' dead-letter queue.
 * A builder that adds to the given scope (see storage.ts for why).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface RetrySchedulerProps {
  /** The schedules' target: the retries queue, whose consumer forwards each message into its lane. */
  readonly target: sqs.IQueue;
  /** Where Scheduler puts a retry it could not send (the schedules' DeadLetterConfig, set per schedule at run time). */
  readonly deadLetterQueue: sqs.IQueue;
}

export interface RetryScheduler {
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly schedulerRole: iam.Role;
}

export function buildRetryScheduler(scope: Construct, props: RetrySchedulerProps): RetryScheduler {
  const scheduleGroup = new scheduler.CfnScheduleGroup(scope, 'RetrySchedules', {});
  const schedulerRole = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
    description: 'Assumed by one-shot retry schedules: may only send to the retries queue',
  });
  // The target, and the target's dead-letter queue (Scheduler writes it with this role too).
  schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.target.queueArn, props.deadLetterQueue.queueArn] }));
  Validations.of(props.deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is a dead-letter queue itself: the target DLQ of the retry schedules (Scheduler DeadLetterConfig, set per schedule at run time), not a queue redriven by SQS.',
  });
  return { scheduleGroup, schedulerRole };
}

/** Let `role` create one-shot schedules in the group, handing them the scheduler role only. */
export function grantCreateSchedules(role: iam.Role, { scheduleGroup, schedulerRole }: RetryScheduler): void {
  const stack = Stack.of(scheduleGroup);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['scheduler:CreateSchedule'],
      resources: [stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${scheduleGroup.ref}/*` })],
    }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${stack.getLogicalId(scheduleGroup)}>/*]`,
    reason:
      'Retry schedules are created at run time, one per delivery attempt, with names not known at deploy time; "*" covers only schedules in Billhook\'s own group, with CreateSchedule as the sole action.',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [schedulerRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  );
}
