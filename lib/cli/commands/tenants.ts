/** `billhook tenants …` and `billhook keys …`. */
import { EXIT } from '../errors.ts';
import { apiPath } from '../http.ts';
import type { Command } from '../spec.ts';
import { LIST_OPTIONS, pageQuery, printList, printRecord, str, when, type Row } from './common.ts';

const tenantPairs = (t: Row): [string, unknown][] => [
  ['id', t.id],
  ['name', t.name],
  ['createdAt', when(t.createdAt)],
];

export const tenants: Command = {
  name: 'tenants',
  summary: 'Tenants: the billing platform’s customers, each with its own endpoints, events and keys (admin key).',
  subcommands: {
    list: {
      args: [],
      summary: 'List tenants',
      options: LIST_OPTIONS,
      examples: ['billhook tenants list', 'billhook tenants list --all --json'],
      async run(ctx, _args, flags) {
        const page = await ctx.api().list<Row>('/v1/tenants', pageQuery(ctx, flags), flags.all === true);
        printList(ctx, page, [
          { header: 'ID', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name },
          { header: 'CREATED', value: (t) => when(t.createdAt) },
        ]);
        return EXIT.ok;
      },
    },
    create: {
      args: ['<name>'],
      summary: 'Create a tenant',
      options: { id: { type: 'string', value: '<ten_…>', desc: 'choose the id (ten_ + letters, digits, _ or -); default: generated' } },
      examples: ['billhook tenants create "Acme Corp" --id ten_acme'],
      async run(ctx, [name], flags) {
        const id = str(flags, 'id');
        const t = await ctx.api().post<Row>('/v1/tenants', { name, ...(id ? { id } : {}) });
        printRecord(ctx, t, tenantPairs(t));
        return EXIT.ok;
      },
    },
    get: {
      args: ['<tenant>'],
      summary: 'Show one tenant',
      examples: ['billhook tenants get ten_acme'],
      async run(ctx, [tenant]) {
        const t = await ctx.api().get<Row>(apiPath('/v1/tenants', tenant));
        printRecord(ctx, t, tenantPairs(t));
        return EXIT.ok;
      },
    },
  },
};

export const keys: Command = {
  name: 'keys',
  summary: 'Tenant API keys: a tenant key sees and changes only its own tenant.',
  subcommands: {
    create: {
      args: ['<tenant>'],
      summary: 'Create a tenant API key (shown once)',
      examples: ['billhook keys create ten_acme'],
      async run(ctx, [tenant]) {
        const k = await ctx.api().post<Row>(apiPath('/v1/tenants', tenant, 'api-keys'));
        if (ctx.json) ctx.out(JSON.stringify(k, null, 2));
        else {
          ctx.out(printableKey(k));
          ctx.err(ctx.paintErr.yellow('The key is shown only once: store it now. Revoke it with: ') + `billhook keys revoke ${tenant} ${String(k.id)}`);
        }
        return EXIT.ok;
      },
    },
    revoke: {
      args: ['<tenant>', '<keyId>'],
      summary: 'Revoke a tenant API key',
      examples: ['billhook keys revoke ten_acme key_…'],
      async run(ctx, [tenant, keyId]) {
        await ctx.api().delete(apiPath('/v1/tenants', tenant, 'api-keys', keyId));
        if (!ctx.json) {
          ctx.out(`revoked ${keyId}`);
          ctx.err(ctx.paintErr.dim('API instances cache keys briefly: requests with it fail within 30 s.'));
        }
        return EXIT.ok;
      },
    },
  },
};

const printableKey = (k: Row) => `id:  ${String(k.id)}\nkey: ${String(k.key)}`;
