/**
 * The SSRF matrix: URLs an attacker might register as an endpoint. Every one
 * is refused at create/update (`check`); the sender refuses the same at
 * connect time through the pinned lookup (see test/adapters/webhook-sender).
 */
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { BlockedAddressError, SsrfGuard, type Resolver } from '../../lib/adapters/http/url-guard.ts';
import { HttpWebhookSender } from '../../lib/adapters/http/webhook-sender.ts';
import { parseIp, parsePortPolicy, portAllowed, SPECIAL_PURPOSE_RANGES, specialRangeOf, type SpecialRange } from '../../lib/core/ip-policy.ts';

const guard = new SsrfGuard({ allowHttp: false, allowLoopback: false, allowCidrs: [], dnsTimeoutMs: 500 });

const BLOCKED: [string, string][] = [
  ['loopback', 'https://127.0.0.1/'],
  ['loopback, other /8 address', 'https://127.10.20.30/'],
  ['loopback, short form', 'https://127.1/'],
  ['loopback, decimal', 'https://2130706433/'],
  ['loopback, hex', 'https://0x7f000001/'],
  ['loopback, dotted hex', 'https://0x7f.0x0.0x0.0x1/'],
  ['loopback, octal', 'https://0177.0.0.1/'],
  ['loopback by name', 'https://localhost/'],
  ['loopback by name, trailing dot', 'https://localhost./'],
  ['loopback by name, upper case', 'https://LOCALHOST/'],
  ['IPv6 loopback', 'https://[::1]/'],
  ['IPv6 loopback, long form', 'https://[0:0:0:0:0:0:0:1]/'],
  ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/'],
  ['IPv4-mapped IPv6 metadata, hex', 'https://[::ffff:a9fe:a9fe]/'],
  ['IPv4-compatible IPv6 private', 'https://[::10.0.0.1]/'],
  ['NAT64 metadata', 'https://[64:ff9b::169.254.169.254]/'],
  ['AWS/GCP/Azure metadata', 'https://169.254.169.254/latest/meta-data/'],
  ['AWS metadata over IPv6', 'https://[fd00:ec2::254]/'],
  ['Alibaba metadata (CGNAT)', 'https://100.100.100.200/'],
  ['private 10/8', 'https://10.1.2.3/'],
  ['private 172.16/12', 'https://172.31.255.255/'],
  ['private 192.168/16', 'https://192.168.0.10/'],
  ['CGNAT', 'https://100.64.1.1/'],
  ['link-local', 'https://169.254.1.1/'],
  ['IPv6 link-local', 'https://[fe80::1]/'],
  ['unique local', 'https://[fc00::5]/'],
  ['unspecified', 'https://0.0.0.0/'],
  ['unspecified, short', 'https://0/'],
  ['IPv6 unspecified', 'https://[::]/'],
  ['multicast', 'https://224.0.0.251/'],
  ['IPv6 multicast', 'https://[ff02::1]/'],
  ['broadcast', 'https://255.255.255.255/'],
  ['benchmarking range', 'https://198.18.0.1/'],
  ['userinfo trick: real host is loopback', 'https://example.com@127.0.0.1/'],
  ['userinfo with credentials', 'https://user:pass@example.com/'],
  ['plain http where not allowed', 'http://example.com/'],
  ['other scheme', 'file:///etc/passwd'],
  ['gopher', 'gopher://example.com/'],
  ['SSH port', 'https://example.com:22/'],
  ['SMTP port', 'https://example.com:25/'],
  ['over-long URL', 'https://example.com/' + 'a'.repeat(2100)],
];

const ALLOWED = ['https://8.8.8.8/hook', 'https://[2606:4700:4700::1111]/hook', 'https://93.184.216.34:8443/x', 'https://[::ffff:8.8.8.8]/'];

describe('SSRF guard matrix', () => {
  it(`has at least 25 blocked cases (${BLOCKED.length})`, () => {
    expect(BLOCKED.length).toBeGreaterThanOrEqual(25);
  });

  it.each(BLOCKED)('refuses %s: %s', async (_, url) => {
    await expect(guard.check(url)).rejects.toMatchObject({ code: 'url_not_allowed', status: 422 });
  });

  it.each(ALLOWED)('allows %s', async (url) => {
    await expect(guard.check(url)).resolves.toBeUndefined();
  });

  it('allows loopback only when the deployment does (local mode), and never metadata', async () => {
    const local = new SsrfGuard({ allowHttp: true, allowLoopback: true, allowCidrs: [] });
    await expect(local.check('http://127.0.0.1:4000/hook')).resolves.toBeUndefined();
    await expect(local.check('http://[::1]:4000/hook')).resolves.toBeUndefined();
    await expect(local.check('http://169.254.169.254/')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(local.check('http://10.0.0.1/')).rejects.toMatchObject({ code: 'url_not_allowed' });
  });

  it('lets a deployment allow-list a private range, and nothing else', async () => {
    const vpc = new SsrfGuard({ allowHttp: false, allowLoopback: false, allowCidrs: ['10.20.0.0/16'] });
    await expect(vpc.check('https://10.20.3.4/')).resolves.toBeUndefined();
    await expect(vpc.check('https://10.21.0.1/')).rejects.toMatchObject({ code: 'url_not_allowed' });
  });
});

describe('port policy', () => {
  it('parses ranges and checks ports', () => {
    const p = parsePortPolicy('443, 8000-8999');
    expect([443, 8000, 8999, 80, 9000].map((n) => portAllowed(p, n))).toEqual([true, true, true, false, false]);
  });

  it.each(['0', '70000', '10-5', 'abc', '1-'])('rejects %s', (spec) => {
    expect(() => parsePortPolicy(spec)).toThrow(/invalid port/);
  });
});

// --- One test per row of the special-purpose table, at create time and at connect time ---

/** An address as text in the given form; IPv6 long forms are what some resolvers return. */
function text(family: 4 | 6, value: bigint, form: 'compressed' | 'long' | 'padded' = 'compressed'): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt((7 - i) * 16)) & 0xffffn);
  const long = groups.map((g) => (form === 'padded' ? g.toString(16).padStart(4, '0') : g.toString(16))).join(':');
  return form === 'compressed' ? new URL(`http://[${long}]/`).hostname.slice(1, -1) : long;
}

function rangeOf(row: SpecialRange) {
  const [net, bits] = row.cidr.split('/') as [string, string];
  const parsed = parseIp(net)!;
  const width = parsed.family === 4 ? 32 : 128;
  const size = 1n << BigInt(width - Number(bits));
  return { family: parsed.family, first: parsed.value, last: parsed.value + size - 1n };
}

const v4 = (dotted: string) => parseIp(dotted)!.value;

/** A resolver that answers every name with the given address texts. */
const resolving = (...addresses: string[]): Resolver => (_host, _options, callback) =>
  callback(null, addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));

const strictWith = (resolver?: Resolver) => new SsrfGuard({ allowHttp: false, allowLoopback: false, allowCidrs: [], dnsTimeoutMs: 500, ...(resolver ? { resolver } : {}) });

const lookupThrough = (g: SsrfGuard, host: string) =>
  new Promise<{ err: Error | null; address: unknown }>((resolve) => g.lookup(host, {}, (err, address) => resolve({ err, address })));

/** Every sample must be refused three ways: as a URL literal, through the resolver at create, and in the connection's lookup. */
async function expectRefusedEverywhere(family: 4 | 6, value: bigint) {
  const forms = family === 4 ? [text(4, value)] : [text(6, value), text(6, value, 'long'), text(6, value, 'padded')];
  const literal = family === 4 ? text(4, value) : `[${text(6, value)}]`;
  await expect(strictWith().check(`https://${literal}/hook`)).rejects.toMatchObject({ code: 'url_not_allowed', status: 422 });
  for (const form of forms) {
    const g = strictWith(resolving(form));
    await expect(g.check('https://receiver.example/hook')).rejects.toMatchObject({ code: 'url_not_allowed' });
    const { err } = await lookupThrough(g, 'receiver.example');
    expect(err).toBeInstanceOf(BlockedAddressError);
  }
}

async function expectAllowedEverywhere(family: 4 | 6, value: bigint) {
  const literal = family === 4 ? text(4, value) : `[${text(6, value)}]`;
  await expect(strictWith().check(`https://${literal}/hook`)).resolves.toBeUndefined();
  for (const form of family === 4 ? [text(4, value)] : [text(6, value), text(6, value, 'long')]) {
    const g = strictWith(resolving(form));
    await expect(g.check('https://receiver.example/hook')).resolves.toBeUndefined();
    const { err, address } = await lookupThrough(g, 'receiver.example');
    expect(err).toBeNull();
    expect(address).toBe(form);
  }
}

const plainRows = SPECIAL_PURPOSE_RANGES.filter((r) => r.embedsIPv4At === undefined);
const embeddingRows = SPECIAL_PURPOSE_RANGES.filter((r) => r.embedsIPv4At !== undefined);

describe('SSRF guard: the special-purpose table, row by row', () => {
  it('covers the rows issue 16 names', () => {
    const cidrs = SPECIAL_PURPOSE_RANGES.map((r) => r.cidr);
    for (const required of [
      '::ffff:0:0/96', '::ffff:0:0:0/96', '2002::/16', '2001::/32', '2001:20::/28', '2001:10::/28', '2001:2::/48', '2001:db8::/32', '3fff::/20', '5f00::/16',
      '100::/64', 'fec0::/10', '64:ff9b::/96', '64:ff9b:1::/48', '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
      '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4',
      '255.255.255.255/32', '224.0.0.0/4',
    ]) expect(cidrs).toContain(required);
    for (const r of SPECIAL_PURPOSE_RANGES) expect(r.name && r.source).toBeTruthy();
  });

  it.each(plainRows.map((r) => [r.cidr, r.name, r] as const))('refuses %s (%s): first, second and last address, every text form', async (_, __, row) => {
    const { family, first, last } = rangeOf(row);
    const samples = [...new Set([first, first + (last > first ? 1n : 0n), last])];
    for (const value of samples) await expectRefusedEverywhere(family, value);
    // The refusal names this row for at least one sample (others may fall in a more specific row).
    expect(samples.some((value) => specialRangeOf(text(family, value))?.cidr === row.cidr)).toBe(true);
  });

  it.each(embeddingRows.map((r) => [r.cidr, r.name, r] as const))('judges %s (%s) by the IPv4 address it embeds', async (_, __, row) => {
    const { first } = rangeOf(row);
    const at = (ip: string) => first | (v4(ip) << BigInt(128 - row.embedsIPv4At! - 32));
    for (const inner of ['127.0.0.1', '169.254.169.254', '10.0.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '255.255.255.255']) await expectRefusedEverywhere(6, at(inner));
    for (const inner of ['8.8.8.8', '93.184.216.34']) await expectAllowedEverywhere(6, at(inner));
  });

  it.each([
    ['IPv4-translated loopback', 'https://[::ffff:0:7f00:1]/'],
    ['IPv4-translated metadata', 'https://[::ffff:0:a9fe:a9fe]/'],
    ['6to4 of loopback', 'https://[2002:7f00:1::]/'],
    ['6to4 of metadata', 'https://[2002:a9fe:a9fe::]/'],
    ['Teredo', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/'],
    ['documentation 3fff::/20', 'https://[3fff::1]/'],
    ['SRv6 SIDs', 'https://[5f00::1]/'],
    ['benchmarking 2001:2::/48', 'https://[2001:2::1]/'],
    ['ORCHIDv2', 'https://[2001:20::1]/'],
    ['local-use NAT64 of a public address', 'https://[64:ff9b:1::808:808]/'],
    ['IPv4-compatible loopback', 'https://[::127.0.0.1]/'],
  ])('refuses the issue-16 finding: %s %s', async (_, url) => {
    await expect(guard.check(url)).rejects.toMatchObject({ code: 'url_not_allowed' });
  });

  it.each(['0:0:0:0:0:0:7f00:1', '64:ff9b:0:0:0:0:7f00:1', '0000:0000:0000:0000:0000:ffff:7f00:0001', '::FFFF:169.254.169.254', 'fe80::1%eth0'])(
    'judges the resolver text %s as the address it denotes, at create and at connect',
    async (answer) => {
      const g = strictWith(resolving(answer));
      await expect(g.check('https://receiver.example/')).rejects.toMatchObject({ code: 'url_not_allowed' });
      expect((await lookupThrough(g, 'receiver.example')).err).toBeInstanceOf(BlockedAddressError);
    },
  );

  it('refuses a name when any one of its addresses is refused', async () => {
    const g = strictWith(resolving('8.8.8.8', '0:0:0:0:0:0:7f00:1'));
    expect((await lookupThrough(g, 'receiver.example')).err).toBeInstanceOf(BlockedAddressError);
  });

  it('the sender connects through the same lookup: nothing leaves for a refused resolver answer', async () => {
    const g = new SsrfGuard({ allowHttp: true, allowLoopback: false, allowCidrs: [], resolver: resolving('0:0:0:0:0:0:7f00:1') });
    const sender = new HttpWebhookSender(g, { now: () => 0 }, { timeoutMs: 2000, connectTimeoutMs: 1000 });
    const r = await sender.post({ url: 'http://receiver.example:8080/hook', headers: {}, body: '{}' });
    expect(r).toMatchObject({ blocked: true, error: expect.stringMatching(/blocked address/) });
    await sender.close();
  });
});
