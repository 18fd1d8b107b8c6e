/**
 * The synthesized stack deployed into moto_server (scripts/moto-deploy.ts):
 * created, with only the documented patches, and matching lib/definitions.ts.
 * Skipped where moto_server or the aws CLI is not installed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONSUMERS, QUEUES, STREAM_CONSUMERS, TABLES } from '../../lib/definitions.ts';
import { deployToMoto, formatMotoReport, MOTO_PATCHES, patchForMoto } from '../../scripts/moto-deploy.ts';

const installed = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const hasMoto = installed('moto_server', '--help') && installed('aws', '--version') && installed('zip', '-v');

describe('patchForMoto', () => {
  it('removes only the listed types, scrubs references to them and drops outputs that name them', () => {
    // Arrange
    const template = {
      Resources: {
        Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: {} },
        Perm: { Type: 'AWS::Lambda::Permission', Properties: { SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'Api' }, '/*']] } } },
        OtherPerm: { Type: 'AWS::Lambda::Permission', Properties: { Principal: 'events.amazonaws.com' } },
        Secret: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
        Fn: { Type: 'AWS::Lambda::Function', DependsOn: ['Secret', 'Role'], Properties: { Environment: { Variables: { ARN: { Ref: 'Secret' }, Q: { Ref: 'Queue' } } } } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        Key: { Type: 'AWS::KMS::Key', Properties: { Tags: [{ Key: 'a', Value: 'b' }], EnableKeyRotation: true } },
      },
      Outputs: { ApiUrl: { Value: { Ref: 'Api' } }, QueueUrl: { Value: { Ref: 'Queue' } } },
    };
    // Act
    const { template: patched, patches, droppedOutputs } = patchForMoto(template);
    // Assert
    expect(Object.keys(patched.Resources).sort()).toEqual(['Fn', 'Key', 'OtherPerm', 'Queue']);
    expect(patched.Resources.Fn!.DependsOn).toEqual(['Role']);
    expect(patched.Resources.Fn!.Properties).toEqual({ Environment: { Variables: { ARN: expect.stringContaining('moto-patched'), Q: { Ref: 'Queue' } } } });
    expect(patched.Resources.Key!.Properties).toEqual({ EnableKeyRotation: true });
    expect(droppedOutputs).toEqual(['ApiUrl']);
    expect(patches.map((p) => p.logicalIds)).toEqual([['Api'], ['Secret'], ['Perm'], ['Key']]);
    for (const p of patches) expect(p.why.length).toBeGreaterThan(30);
    expect(template.Resources.Api).toBeDefined(); // the input is left alone
  });
});

describe.skipIf(!hasMoto)('deploy into moto_server', () => {
  it('creates the stack and every table, index, queue, redrive policy and event source mapping as lib/definitions.ts says', { timeout: 240_000 }, async () => {
    // Act
    const result = await deployToMoto();
    // Assert
    expect(result.ok, formatMotoReport(result)).toBe(true);
    expect(result.stackStatus).toBe('CREATE_COMPLETE');
    expect(result.created['AWS::DynamoDB::Table']).toBe(Object.keys(TABLES).length);
    expect(result.created['AWS::SQS::Queue']).toBe(Object.keys(QUEUES).length);
    expect(result.created['AWS::Lambda::EventSourceMapping']).toBe(Object.keys(CONSUMERS).length + Object.keys(STREAM_CONSUMERS).length);
    expect(result.created['AWS::Lambda::Function']).toBe(5);
    // Patched: only types from the documented list, and the property patch for KMS tags.
    const allowed = new Set<string>(MOTO_PATCHES.flatMap((p) => p.types));
    for (const p of result.patches) {
      const types = p.what.split(' (')[0]!.split(', ');
      expect(types.every((t) => allowed.has(t) || t === 'AWS::Lambda::Permission' || t === 'AWS::KMS::Key.Tags' || t === 'AWS::SQS::Queue.QueueName'), p.what).toBe(true);
    }
    for (const t of Object.keys(result.created)) expect(allowed.has(t), t).toBe(false);
    // Every table, index and queue was compared.
    const checked = result.checks.map((c) => c.what);
    for (const [key, def] of Object.entries(TABLES)) for (const i of def.indexes) expect(checked).toContain(`table ${key}: index ${i.indexName} projection`);
    for (const key of Object.keys(QUEUES)) expect(checked).toContain(`queue ${key}: RedrivePolicy`);
    for (const key of Object.keys(TABLES)) expect(checked).toContain(`table ${key}: stream`);
    for (const name of Object.keys(STREAM_CONSUMERS)) expect(checked).toContain(`${name}: fed by the logs table's stream`);
  });
});
