/**
 * CPU time spent by this process (handlers, fauxqs, receiver, driver) and by
 * DynamoDB Local's JVM over a run: says which side a throughput figure is
 * bound by. DynamoDB Local's share is read from /proc, so Linux only; it is
 * NaN elsewhere.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports CPU times in USER_HZ ticks, 100 a second on every Linux architecture. */
const USER_HZ = 100;

/** CPU milliseconds (user + system) a process has used so far, or NaN if /proc cannot say. */
function procCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** The pid of the DynamoDB Local JVM listening on `port`, found by its command line. */
export function findDynamoLocalPid(port: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('-port');
      if (args.some((a) => a.endsWith('DynamoDBLocal.jar')) && i >= 0 && args[i + 1] === String(port)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

export interface CpuSplit {
  /** CPU ms of this Node process. */
  nodeMs: number;
  /** CPU ms of DynamoDB Local (NaN when unknown). */
  dynamoMs: number;
}

/** Start counting; `stop()` returns the CPU used since. */
export function cpuMeter(dynamoPid: number | undefined): { stop(): CpuSplit } {
  const node = process.cpuUsage();
  const dynamo = procCpuMs(dynamoPid);
  return {
    stop() {
      const used = process.cpuUsage(node);
      return { nodeMs: (used.user + used.system) / 1000, dynamoMs: procCpuMs(dynamoPid) - dynamo };
    },
  };
}
