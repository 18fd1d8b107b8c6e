/**
 * The SSRF matrix: URLs an attacker might register as an endpoint. Every one
 * is refused at create/update (`check`); the sender refuses the same at
 * connect time through the pinned lookup (see test/adapters/webhook-sender).
 */
import { describe, expect, it } from 'vitest';
import { SsrfGuard } from '../../lib/adapters/http/url-guard.ts';
import { parsePortPolicy, portAllowed } from '../../lib/core/ip-policy.ts';

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
