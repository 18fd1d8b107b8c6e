/**
 * A small EventBridge Scheduler emulator for local mode: enough of the
 * REST-JSON protocol for @aws-sdk/client-scheduler (CreateSchedule,
 * GetSchedule, DeleteSchedule, ListSchedules), one-shot `at(...)`
 * schedules whose target is an SQS queue. Schedules are kept in
 * `<dataDir>/schedules.json` (written atomically), so a restart does not drop
 * a retry; an overdue schedule fires at start. One timer, armed for the
 * earliest schedule.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

interface StoredSchedule {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  /** Epoch ms the schedule fires at. */
  dueAt: number;
  Target: { Arn: string; RoleArn: string; Input?: string; DeadLetterConfig?: { Arn?: string } };
  ActionAfterCompletion?: string;
  CreationDate: string;
}

export interface SchedulerEmulatorOptions {
  sqs: SQSClient;
  /** Queue ARN → queue URL, for targets. */
  queueUrlByArn: Record<string, string>;
  dataDir?: string;
  now?: () => number;
  log?: (line: string) => void;
}

export interface SchedulerEmulator {
  readonly endpoint: string;
  /** How many CreateSchedule calls succeeded, and how many schedules fired. */
  readonly stats: { created: number; fired: number };
  stop(): Promise<void>;
}

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
  res.end(JSON.stringify(body));
}

const fail = (res: ServerResponse, status: number, type: string, message: string) => send(res, status, { Message: message, message }, type);

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startSchedulerEmulator(options: SchedulerEmulatorOptions): Promise<SchedulerEmulator> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const file = options.dataDir ? path.join(options.dataDir, 'schedules.json') : undefined;
  const schedules = new Map<string, StoredSchedule>();
  const stats = { created: 0, fired: 0 };
  const key = (group: string, name: string) => `${group}/${name}`;

  if (file) {
    try {
      for (const s of JSON.parse(await readFile(file, 'utf8')) as StoredSchedule[]) schedules.set(key(s.GroupName, s.Name), s);
      if (schedules.size) log(`scheduler emulator: ${schedules.size} schedule(s) restored from ${file}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  let saving = Promise.resolve();
  const persist = () => {
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify([...schedules.values()]);
    saving = saving.then(async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file + '.tmp', snapshot);
      await rename(file + '.tmp', file);
    });
    return saving;
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped || schedules.size === 0) return;
    const next = Math.min(...[...schedules.values()].map((s) => s.dueAt));
    timer = setTimeout(() => void fire(), Math.max(0, Math.min(next - now(), 2 ** 31 - 1)));
  };

  const fire = async () => {
    const due = [...schedules.values()].filter((s) => s.dueAt <= now());
    for (const s of due) {
      const url = options.queueUrlByArn[s.Target.Arn];
      const dlqUrl = s.Target.DeadLetterConfig?.Arn ? options.queueUrlByArn[s.Target.DeadLetterConfig.Arn] : undefined;
      try {
        if (!url && dlqUrl) {
          // A target that does not exist never will: the real service gives up and dead-letters the input.
          await options.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: s.Target.Input ?? '{}' }));
          log(`scheduler emulator: ${s.Name}: no queue for target ${s.Target.Arn}; sent to its dead-letter queue`);
          schedules.delete(key(s.GroupName, s.Name));
          continue;
        }
        if (!url) throw new Error(`no queue for target ${s.Target.Arn}`);
        await options.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: s.Target.Input ?? '{}' }));
        stats.fired++;
        schedules.delete(key(s.GroupName, s.Name));
      } catch (e) {
        // Like the real service, retry later rather than drop the message.
        log(`scheduler emulator: ${s.Name} failed to fire (${(e as Error).message}); retrying in 5 s`);
        s.dueAt = now() + 5000;
      }
    }
    await persist();
    arm();
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/schedules(?:\/([^/]+))?$/.exec(url.pathname);
      if (!match) return fail(res, 404, 'ResourceNotFoundException', `unsupported path ${url.pathname}`);
      const name = match[1] ? decodeURIComponent(match[1]) : undefined;
      const method = req.method ?? 'GET';
      if (!name && method === 'GET') {
        const group = url.searchParams.get('ScheduleGroup') ?? url.searchParams.get('groupName');
        const list = [...schedules.values()].filter((s) => !group || s.GroupName === group);
        return send(res, 200, { Schedules: list.map((s) => ({ Name: s.Name, GroupName: s.GroupName, State: 'ENABLED', Target: { Arn: s.Target.Arn } })) });
      }
      if (!name) return fail(res, 400, 'ValidationException', 'schedule name required');
      if (method === 'POST') {
        const body = await readBody(req);
        const group = (body.GroupName as string | undefined) ?? 'default';
        const expression = String(body.ScheduleExpression ?? '');
        const at = AT.exec(expression);
        const target = body.Target as StoredSchedule['Target'] | undefined;
        if (!at) return fail(res, 400, 'ValidationException', `only at(...) expressions are emulated, got ${expression}`);
        if (!target?.Arn || !target.RoleArn) return fail(res, 400, 'ValidationException', 'Target.Arn and Target.RoleArn are required');
        if (schedules.has(key(group, name))) return fail(res, 409, 'ConflictException', `Schedule ${name} already exists.`);
        const s: StoredSchedule = {
          Name: name,
          GroupName: group,
          ScheduleExpression: expression,
          dueAt: Date.parse(`${at[1]}Z`),
          Target: target,
          CreationDate: new Date(now()).toISOString(),
          ...(body.ActionAfterCompletion ? { ActionAfterCompletion: String(body.ActionAfterCompletion) } : {}),
        };
        schedules.set(key(group, name), s);
        stats.created++;
        await persist();
        arm();
        return send(res, 200, { ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${group}/${name}` });
      }
      const group = url.searchParams.get('groupName') ?? 'default';
      const s = schedules.get(key(group, name));
      if (!s) return fail(res, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      if (method === 'GET') {
        return send(res, 200, {
          Name: s.Name,
          GroupName: s.GroupName,
          ScheduleExpression: s.ScheduleExpression,
          ScheduleExpressionTimezone: 'UTC',
          State: 'ENABLED',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: s.ActionAfterCompletion ?? 'NONE',
          Target: s.Target,
          Arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${s.GroupName}/${s.Name}`,
          CreationDate: Date.parse(s.CreationDate) / 1000,
        });
      }
      if (method === 'DELETE') {
        schedules.delete(key(group, name));
        await persist();
        arm();
        return send(res, 200, {});
      }
      return fail(res, 405, 'ValidationException', `method ${method} not supported`);
    })().catch((e: unknown) => fail(res, 500, 'InternalServerException', (e as Error).message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  arm();
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await saving;
    },
  };
}
