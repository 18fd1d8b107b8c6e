/**
 * Every custom metric an alarm or the dashboard watches is one of METRICS,
 * and some handler emits it by that constant: a renamed metric cannot leave
 * an alarm watching nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BillhookStack } from '../../lib/infra/billhook-stack.ts';
import { REPO_ROOT } from '../../lib/infra/webhook-delivery.ts';
import { METRICS, METRICS_NAMESPACE, OUTCOME_METRICS } from '../../lib/metrics.ts';

const CDK_CONTEXT = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/** The emitters' sources: the handlers and lib/, without the constructs that watch and the module that names. */
function emitterSources(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (rel !== path.join('lib', 'infra') && rel !== path.join('lib', 'dashboard')) walk(rel);
      } else if (rel.endsWith('.ts') && rel !== path.join('lib', 'metrics.ts')) files.set(rel, readFileSync(path.join(REPO_ROOT, rel), 'utf8'));
    }
  };
  walk('lambdas');
  walk('lib');
  return files;
}

describe('metric names', () => {
  let watched: Set<string>;
  let sources: Map<string, string>;

  beforeAll(() => {
    const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const template = Template.fromStack(new BillhookStack(app, 'Billhook-metrics'));
    watched = new Set<string>();
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      const p = alarm.Properties as { Namespace?: string; MetricName?: string; Metrics?: { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[] };
      if (p.Namespace === METRICS_NAMESPACE) watched.add(p.MetricName!);
      for (const m of p.Metrics ?? []) if (m.MetricStat?.Metric.Namespace === METRICS_NAMESPACE) watched.add(m.MetricStat.Metric.MetricName);
    }
    const bodies = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((d) => d.Properties.DashboardBody));
    for (const m of bodies.matchAll(new RegExp(`\\\\"${METRICS_NAMESPACE}\\\\",\\\\"(\\w+)\\\\"`, 'g'))) watched.add(m[1]!);
    sources = emitterSources();
  });

  it('watches custom metrics, the alarms among them', () => {
    expect(watched).toContain(METRICS.deliveriesExhausted);
    expect(watched.size).toBeGreaterThan(5);
  });

  it('names every watched metric in METRICS, and emits each by its constant', () => {
    const names = Object.entries(METRICS) as [keyof typeof METRICS, string][];
    const emitters = [...sources.values()].filter((text) => text.includes('.addMetric('));
    const outcomeEmitted = emitters.some((text) => text.includes('OUTCOME_METRICS['));
    for (const metric of watched) {
      const key = names.find(([, name]) => name === metric)?.[0];
      expect(key, `${metric} is watched but not in METRICS`).toBeDefined();
      const byConstant = emitters.some((text) => new RegExp(`\\bMETRICS\\.${key}\\b`).test(text));
      const byOutcome = outcomeEmitted && Object.values(OUTCOME_METRICS).includes(metric as never);
      expect(byConstant || byOutcome, `${metric} is watched but no handler emits METRICS.${key}`).toBe(true);
    }
  });

  it('emits no metric by a bare string', () => {
    for (const [file, text] of sources) expect(text.match(/addMetric\(\s*['"`]/g), file).toBeNull();
  });
});
