/**
 * The SSRF guard: which URLs and addresses outbound requests may reach.
 * Used at endpoint create/update (`check`) and inside every connection's DNS
 * lookup (`lookup`), so the address that is checked is the address that is
 * connected to (no DNS-rebinding window).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { BillhookError } from '../../core/errors.ts';
import { addressChecker, DEFAULT_PORT_POLICY, parsePortPolicy, portAllowed, type AddressPolicy, type PortPolicy } from '../../core/ip-policy.ts';
import { LIMITS } from '../../core/model.ts';
import type { UrlGuard } from '../../ports.ts';

export interface UrlPolicy extends AddressPolicy {
  allowHttp: boolean;
  /** Allowed ports (default DEFAULT_PORT_POLICY). */
  ports?: PortPolicy;
  /** How long a create/update waits for DNS before accepting the URL unresolved. */
  dnsTimeoutMs?: number;
  /** The resolver (default `dns.lookup`); injected by tests to play a resolver's answers. */
  resolver?: Resolver;
}

/** `dns.lookup` with `all: true`, as the guard calls it. */
export type Resolver = (hostname: string, options: { all: true; family?: number; verbatim: true }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, options, callback) => dnsLookup(hostname, options, callback);

export class BlockedAddressError extends Error {
  readonly code = 'BILLHOOK_ADDRESS_BLOCKED';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export class SsrfGuard implements UrlGuard {
  private readonly checkAddress: (ip: string) => string | undefined;
  private readonly ports: PortPolicy;
  private readonly resolver: Resolver;

  constructor(private readonly policy: UrlPolicy) {
    this.checkAddress = addressChecker(policy);
    this.ports = policy.ports ?? parsePortPolicy(DEFAULT_PORT_POLICY);
    this.resolver = policy.resolver ?? systemResolver;
  }

  /** Validate the URL's form, then (best effort, bounded) the addresses its host resolves to. */
  async check(raw: string): Promise<void> {
    const url = this.parse(raw);
    const host = bareHost(url.hostname);
    if (isIP(host)) {
      this.assertAddress(host);
      return;
    }
    const addresses = await resolveWithTimeout(this.resolver, host, this.policy.dnsTimeoutMs ?? 2000);
    // An unresolvable host is accepted: DNS may change, and every connection is checked again.
    for (const a of addresses ?? []) this.assertAddress(a.address);
  }

  /** Parse and validate the URL's form: scheme, credentials, length. */
  parse(raw: string): URL {
    if (raw.length > LIMITS.urlLength) throw new BillhookError('url_not_allowed', `url is longer than ${LIMITS.urlLength} characters`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new BillhookError('validation_failed', 'url is not a valid absolute URL', { fields: [{ path: 'url', message: 'is not a valid URL' }] });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.policy.allowHttp)) {
      throw new BillhookError('url_not_allowed', this.policy.allowHttp ? 'url must use http or https' : 'url must use https');
    }
    if (url.username || url.password) throw new BillhookError('url_not_allowed', 'url must not contain credentials');
    if (!url.hostname) throw new BillhookError('url_not_allowed', 'url has no host');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    if (!portAllowed(this.ports, port)) throw new BillhookError('url_not_allowed', `url port ${port} is not allowed`);
    return url;
  }

  /** Throw if an IP literal is not allowed. */
  assertAddress(ip: string): void {
    const reason = this.checkAddress(ip);
    if (reason) throw new BillhookError('url_not_allowed', `url is not allowed: ${reason}`);
  }

  /** Refusal reason for an address, if any. */
  refuse(ip: string): string | undefined {
    return this.checkAddress(ip);
  }

  /** A `lookup` for net/tls.connect that only ever yields allowed addresses. */
  readonly lookup = (hostname: string, options: LookupOptions | number, callback: LookupCallback): void => {
    const opts: LookupOptions = typeof options === 'number' ? { family: options } : options;
    const family = opts.family === 'IPv4' ? 4 : opts.family === 'IPv6' ? 6 : (opts.family ?? 0);
    this.resolver(hostname, { all: true, family, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, opts.all ? [] : '', 0);
      for (const a of addresses) {
        const reason = this.checkAddress(a.address);
        if (reason) {
          return callback(new BlockedAddressError(`${hostname} resolves to a blocked address: ${reason}`), opts.all ? [] : '', 0);
        }
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), opts.all ? [] : '', 0);
      if (opts.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** `[::1]` → `::1`; strips a trailing dot from names. */
export function bareHost(hostname: string): string {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

function resolveWithTimeout(resolver: Resolver, host: string, timeoutMs: number): Promise<LookupAddress[] | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    resolver(host, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      resolve(err ? undefined : addresses);
    });
  });
}
