/**
 * The jobs queue: fan-out steps, recover steps (incl. backlog drains) and
 * operational events, each idempotent so SQS may deliver it twice.
 */
import { isBillhookError } from '../core/errors.ts';
import type { JobMessage } from '../core/model.ts';
import type { Logger } from '../log.ts';
import type { AppDeps } from './deps.ts';
import { fanoutStep } from './fanout.ts';
import { ingestEvent } from './ingest.ts';
import { recoverStep } from './replay.ts';
import type { TenantExistenceCache } from './tenants.ts';

export async function runJob(deps: AppDeps & { tenantCache: TenantExistenceCache }, job: JobMessage, log: Logger): Promise<void> {
  switch (job.kind) {
    case 'fanout': {
      const r = await fanoutStep(deps, job);
      log.info('fan-out step', { tenantId: job.tenantId, eventId: job.event.id, enqueued: r.enqueued, continued: r.continued });
      return;
    }
    case 'recover':
      try {
        const r = await recoverStep(deps, job);
        log.info('recover step', { tenantId: job.tenantId, endpointId: job.endpointId, jobId: job.jobId, ...r });
      } catch (e) {
        // The endpoint was deleted or disabled since the recover began: the job ends here.
        if (isBillhookError(e) && (e.code === 'not_found' || e.code === 'conflict')) {
          log.warn('recover stopped', { tenantId: job.tenantId, endpointId: job.endpointId, jobId: job.jobId, reason: e.message });
          return;
        }
        throw e;
      }
      return;
    case 'emit': {
      // Operational events go through ingest, to the tenant's endpoints subscribed to them.
      let r: Awaited<ReturnType<typeof ingestEvent>>;
      try {
        r = await ingestEvent(deps, job.tenantId, { type: job.type, dataJson: JSON.stringify(job.data) }, job.key);
      } catch (e) {
        // The key names the occurrence (this endpoint recovered from this failure run): two sender
        // instances may both report it, with different timestamps. The first report stands.
        if (isBillhookError(e) && e.code === 'idempotency_key_reused') {
          log.info('operational event already reported', { tenantId: job.tenantId, type: job.type, key: job.key });
          return;
        }
        throw e;
      }
      log.info('operational event', { tenantId: job.tenantId, type: job.type, eventId: r.accepted.id, deliveries: r.accepted.deliveries, replayed: r.replayed });
      return;
    }
  }
}
