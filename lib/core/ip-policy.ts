/**
 * Which IP addresses outbound webhooks may reach. Everything that is not a
 * public unicast address is refused unless the deployment allow-lists it:
 * private, loopback, link-local (incl. cloud metadata 169.254.169.254 and
 * fd00:ec2::254), CGNAT, unique-local, multicast, unspecified, reserved,
 * documentation and benchmarking ranges. IPv4-mapped/compatible/NAT64 IPv6
 * forms are judged by the IPv4 address they embed.
 */
import { BlockList, isIP } from 'node:net';

const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const BLOCKED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (incl. fd00:ec2::254 metadata)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [net, prefix] of BLOCKED_V4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_V6) blocked.addSubnet(net, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export interface AddressPolicy {
  /** Allow 127.0.0.0/8 and ::1 (local mode). */
  allowLoopback: boolean;
  /** CIDRs a deployment explicitly allows, e.g. `10.1.0.0/16`. */
  allowCidrs: readonly string[];
}

/** Extract the IPv4 address embedded in an IPv6 address (mapped, compatible, NAT64), if any. */
export function embeddedIPv4(ipv6: string): string | undefined {
  const lower = ipv6.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return undefined;
}

function buildAllowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net ?? '');
    if (!family || bits === undefined) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
    list.addSubnet(net!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** A checker for one policy. Returns a reason when the address is refused. */
export function addressChecker(policy: AddressPolicy): (ip: string) => string | undefined {
  const allow = buildAllowList(policy.allowCidrs);
  const check = (ip: string): string | undefined => {
    const family = isIP(ip);
    if (family === 0) return `${ip} is not an IP address`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (family === 6) {
      const v4 = embeddedIPv4(ip);
      if (v4 && v4 !== '0.0.0.0' && v4 !== '0.0.0.1') return check(v4);
    }
    if (allow.check(ip, type)) return undefined;
    if (policy.allowLoopback && loopback.check(ip, type)) return undefined;
    if (blocked.check(ip, type)) return `${ip} is a private, loopback, link-local or reserved address`;
    return undefined;
  };
  return check;
}

/** Ports outbound webhooks may use, as inclusive ranges. */
export type PortPolicy = readonly (readonly [number, number])[];

/** Default: the web ports and every unprivileged port; SSH, SMTP, DNS and the like are refused. */
export const DEFAULT_PORT_POLICY = '80,443,1024-65535';

/** Parse `443,8443,1024-65535`. */
export function parsePortPolicy(spec: string): PortPolicy {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      const lo = m ? Number(m[1]) : NaN;
      const hi = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid port or range ${JSON.stringify(part)}`);
      return [lo, hi] as const;
    });
}

export const portAllowed = (policy: PortPolicy, port: number): boolean => policy.some(([lo, hi]) => port >= lo && port <= hi);
