/**
 * `npm run soak -- --events 10000 --endpoints 10 --ordered 5 --fail-rate 0.2 --schedule 1,1,1`
 * (`--ordered`: how many of the endpoints order by key; their per-key order is checked.)
 * Exits 1 if anything fails to reconcile.
 */
import { parseArgs } from 'node:util';
import { formatReport, runSoak } from './soak-lib.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    endpoints: { type: 'string', default: '10' },
    ordered: { type: 'string', default: '0' },
    'fail-rate': { type: 'string', default: '0.2' },
    schedule: { type: 'string', default: '1,1,1' },
  },
});
const options = { events: Number(values.events), endpoints: Number(values.endpoints), orderedEndpoints: Number(values.ordered), failRate: Number(values['fail-rate']), schedule: values.schedule! };
console.log(`soak: ${options.events} events × ${options.endpoints} endpoints (${options.orderedEndpoints} ordered by key), ${options.failRate * 100} % failures, schedule ${options.schedule}`);
const report = await runSoak({ ...options, log: (l) => console.log(l) });
console.log(formatReport(report));
process.exit(report.problems.length ? 1 : 0);
