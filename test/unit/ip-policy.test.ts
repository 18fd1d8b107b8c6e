import { describe, expect, it } from 'vitest';
import { addressChecker, embeddedIPv4, parseIp } from '../../lib/core/ip-policy.ts';
import { SsrfGuard } from '../../lib/adapters/http/url-guard.ts';

describe('addressChecker', () => {
  const strict = addressChecker({ allowLoopback: false, allowCidrs: [] });
  const local = addressChecker({ allowLoopback: true, allowCidrs: [] });

  it.each([
    '127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1',
    '255.255.255.255', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '198.18.0.1',
  ])('refuses %s', (ip) => {
    expect(strict(ip)).toMatch(/private, loopback, link-local or reserved/);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows public %s', (ip) => {
    expect(strict(ip)).toBeUndefined();
  });

  it('local mode allows loopback only', () => {
    expect(local('127.0.0.1')).toBeUndefined();
    expect(local('::1')).toBeUndefined();
    expect(local('10.0.0.1')).toBeDefined();
    expect(local('169.254.169.254')).toBeDefined();
  });

  it('honours a deployment allow-list', () => {
    const allow = addressChecker({ allowLoopback: false, allowCidrs: ['10.1.0.0/16'] });
    expect(allow('10.1.2.3')).toBeUndefined();
    expect(allow('10.2.0.1')).toBeDefined();
  });

  it('extracts embedded IPv4', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIPv4('2001:db8::1')).toBeUndefined();
  });
});

describe('SsrfGuard.check', () => {
  const guard = new SsrfGuard({ allowHttp: false, allowLoopback: false, allowCidrs: [] });

  it.each([
    ['http://example.com/hook', /must use https/],
    ['ftp://example.com/', /must use https/],
    ['https://user:pass@example.com/', /credentials/],
    ['https://127.0.0.1/', /loopback|reserved/],
    ['https://[::1]/', /reserved/],
    ['https://2130706433/', /reserved/], // decimal 127.0.0.1, normalised by the URL parser
    ['https://0x7f.1/', /reserved/],
    ['https://localhost./', /reserved/],
  ])('refuses %s', async (url, reason) => {
    await expect(guard.check(url)).rejects.toMatchObject({ code: 'url_not_allowed', message: expect.stringMatching(reason) });
  });

  it('accepts a public https URL by address', async () => {
    await expect(guard.check('https://8.8.8.8/hooks')).resolves.toBeUndefined();
  });

  it('rejects a string that is not a URL as a validation error', async () => {
    await expect(guard.check('not a url')).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('parseIp', () => {
  it.each([
    ['::1', 6, 1n],
    ['0:0:0:0:0:0:0:1', 6, 1n],
    ['0000:0000:0000:0000:0000:0000:0000:0001', 6, 1n],
    ['::ffff:127.0.0.1', 6, 0xffff7f000001n],
    ['::FFFF:7F00:1', 6, 0xffff7f000001n],
    ['[64:ff9b::7f00:1]', 6, 0x64ff9b0000000000000000_7f000001n],
    ['fe80::1%eth0', 6, 0xfe800000000000000000000000000001n],
    ['10.0.0.1', 4, 0x0a000001n],
  ])('reads %s as the address it denotes', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each(['localhost', '127.1', '1::2::3', '12345::', ''])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('extracts the IPv4 address of 6to4 and NAT64 forms', () => {
    expect(embeddedIPv4('2002:7f00:1::')).toBe('127.0.0.1');
    expect(embeddedIPv4('64:ff9b:0:0:0:0:a9fe:a9fe')).toBe('169.254.169.254');
  });

  it('local mode allows loopback only as itself or IPv4-mapped, not through a NAT64 or 6to4 translator', () => {
    const local = addressChecker({ allowLoopback: true, allowCidrs: [] });
    expect(local('::ffff:127.0.0.1')).toBeUndefined();
    expect(local('64:ff9b::127.0.0.1')).toBeDefined();
    expect(local('2002:7f00:1::')).toBeDefined();
  });
});
