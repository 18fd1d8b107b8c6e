/**
 * cfn-lint, AWS's CloudFormation linter, on the synthesized template (bundling
 * skipped: asset code does not change what cfn-lint checks) for the regions
 * README.md names. Where cfn-lint is not installed the lint itself is skipped;
 * .ci/run says so too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBillhookApp } from '../../lib/infra/app.ts';
import { REPO_ROOT } from '../../lib/infra/webhook-delivery.ts';

const CDK_CONTEXT = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
const hasCfnLint = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;

/** The `regions:` list of .cfnlintrc (a flat YAML list). */
function configRegions(): string[] {
  const text = readFileSync(path.join(REPO_ROOT, '.cfnlintrc'), 'utf8');
  const block = /^regions:\n((?:\s+-\s+\S+\n?)+)/m.exec(text)?.[1] ?? '';
  return [...block.matchAll(/-\s+(\S+)/g)].map((m) => m[1]!);
}

/** The regions the README's deploy section names ("Regions: … for r1, r2, … (the list in .cfnlintrc"). */
function readmeRegions(): string[] {
  const text = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  const sentence = /Regions: the template is linted with cfn-lint for (.*?) \(the list in/.exec(text)?.[1] ?? '';
  return sentence.split(/,\s*/).map((r) => r.trim()).filter(Boolean);
}

describe('cfn-lint', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('lints for exactly the regions the README names', () => {
    expect(configRegions().length).toBeGreaterThanOrEqual(3);
    expect(readmeRegions()).toEqual(configRegions());
  });

  it.skipIf(!hasCfnLint)('finds nothing in the template, in any of those regions, with the default and a destroy stack', () => {
    for (const context of [{}, { removalPolicy: 'destroy', alarmEmail: 'oncall@example.com', ingestReservedConcurrency: 0 }]) {
      // Arrange
      const outdir = mkdtempSync(path.join(tmpdir(), 'billhook-cfnlint-'));
      dirs.push(outdir);
      const { app } = createBillhookApp({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
      const template = path.join(app.synth().directory, 'Billhook-dev.template.json');
      // Act: the repository's config (ignored rules included), this template instead of cdk.out's.
      const run = spawnSync('cfn-lint', ['--config-file', path.join(REPO_ROOT, '.cfnlintrc'), '--regions', ...configRegions(), '--', template], { encoding: 'utf8' });
      // Assert
      expect(run.stdout + run.stderr, JSON.stringify(context)).toBe('');
      expect(run.status).toBe(0);
    }
  });
});

