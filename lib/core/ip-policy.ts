/**
 * Which IP addresses outbound webhooks may reach: public unicast only,
 * unless the deployment allow-lists a range (local mode: loopback).
 *
 * The refused ranges are ONE table, SPECIAL_PURPOSE_RANGES, taken from the
 * IANA IPv4 and IPv6 Special-Purpose Address Registries (rows that are not
 * globally reachable), completed from the IANA IPv4 Multicast and IPv6
 * Address Space registries (multicast, site-local, reserved-by-IETF space).
 * Addresses are parsed to their numeric value first (32 or 128 bits), so
 * every text form of an address (`::1`, `0:0:0:0:0:0:0:1`, `::ffff:7f00:1`,
 * `64:ff9b::127.0.0.1`, a zone suffix) is judged as the address it denotes,
 * whether it comes from a URL or from a resolver.
 *
 * Rows that embed an IPv4 address (IPv4-mapped, the well-known NAT64 prefix,
 * 6to4) are judged by that IPv4 address: `::ffff:8.8.8.8` is public,
 * `2002:7f00:1::` (6to4 of 127.0.0.1) is not.
 *
 * Registry rows marked globally reachable are public addresses and are not in
 * the table (AS112 192.31.196.0/24, 192.175.48.0/24, 2620:4f:8000::/48; AMT
 * 192.52.193.0/24). Inside a refused block, the registry's few globally
 * reachable allocations (anycast service addresses in 192.0.0.0/24 and
 * 2001::/23, ORCHIDv2, DETs) are refused with their block: no webhook
 * receiver lives there.
 */
import { BlockList, isIP } from 'node:net';

/** One row of the table: a range, its registry name and the RFC that defines it. */
export interface SpecialRange {
  cidr: string;
  /** The row's name in its IANA registry. */
  name: string;
  /** Defining RFC(s), and the registry when it is not the special-purpose one. */
  source: string;
  /**
   * Bit offset (from the most significant bit) of an IPv4 address embedded in
   * the IPv6 address; when set, the address is judged by that IPv4 address.
   */
  embedsIPv4At?: number;
}

export const SPECIAL_PURPOSE_RANGES: readonly SpecialRange[] = [
  // IANA IPv4 Special-Purpose Address Registry
  { cidr: '0.0.0.0/8', name: '"This network"', source: 'RFC 791 §3.2' },
  { cidr: '10.0.0.0/8', name: 'Private-Use', source: 'RFC 1918' },
  { cidr: '100.64.0.0/10', name: 'Shared Address Space', source: 'RFC 6598' },
  { cidr: '127.0.0.0/8', name: 'Loopback', source: 'RFC 1122 §3.2.1.3' },
  { cidr: '169.254.0.0/16', name: 'Link Local', source: 'RFC 3927' },
  { cidr: '172.16.0.0/12', name: 'Private-Use', source: 'RFC 1918' },
  { cidr: '192.0.0.0/24', name: 'IETF Protocol Assignments', source: 'RFC 6890 §2.1' },
  { cidr: '192.0.2.0/24', name: 'Documentation (TEST-NET-1)', source: 'RFC 5737' },
  { cidr: '192.88.99.0/24', name: 'Deprecated (6to4 Relay Anycast)', source: 'RFC 7526' },
  { cidr: '192.168.0.0/16', name: 'Private-Use', source: 'RFC 1918' },
  { cidr: '198.18.0.0/15', name: 'Benchmarking', source: 'RFC 2544' },
  { cidr: '198.51.100.0/24', name: 'Documentation (TEST-NET-2)', source: 'RFC 5737' },
  { cidr: '203.0.113.0/24', name: 'Documentation (TEST-NET-3)', source: 'RFC 5737' },
  { cidr: '240.0.0.0/4', name: 'Reserved', source: 'RFC 1112 §4' },
  { cidr: '255.255.255.255/32', name: 'Limited Broadcast', source: 'RFC 8190, RFC 919 §7' },
  // IANA IPv4 Multicast Address Space Registry
  { cidr: '224.0.0.0/4', name: 'Multicast', source: 'RFC 5771 (IPv4 Multicast Address Space registry)' },

  // IANA IPv6 Special-Purpose Address Registry
  { cidr: '::1/128', name: 'Loopback Address', source: 'RFC 4291' },
  { cidr: '::/128', name: 'Unspecified Address', source: 'RFC 4291' },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped Address', source: 'RFC 4291', embedsIPv4At: 96 },
  { cidr: '64:ff9b::/96', name: 'IPv4-IPv6 Translat.', source: 'RFC 6052', embedsIPv4At: 96 },
  { cidr: '64:ff9b:1::/48', name: 'IPv4-IPv6 Translat. (local-use)', source: 'RFC 8215' },
  { cidr: '100::/64', name: 'Discard-Only Address Block', source: 'RFC 6666' },
  { cidr: '100:0:0:1::/64', name: 'Dummy IPv6 Prefix', source: 'RFC 9780' },
  { cidr: '2001::/23', name: 'IETF Protocol Assignments', source: 'RFC 2928' },
  { cidr: '2001::/32', name: 'TEREDO', source: 'RFC 4380, RFC 8190' },
  { cidr: '2001:2::/48', name: 'Benchmarking', source: 'RFC 5180, RFC Errata 1752' },
  { cidr: '2001:10::/28', name: 'Deprecated (previously ORCHID)', source: 'RFC 4843' },
  { cidr: '2001:20::/28', name: 'ORCHIDv2', source: 'RFC 7343' },
  { cidr: '2001:db8::/32', name: 'Documentation', source: 'RFC 3849' },
  { cidr: '2002::/16', name: '6to4', source: 'RFC 3056', embedsIPv4At: 16 },
  { cidr: '3fff::/20', name: 'Documentation', source: 'RFC 9637' },
  { cidr: '5f00::/16', name: 'Segment Routing (SRv6) SIDs', source: 'RFC 9602' },
  { cidr: 'fc00::/7', name: 'Unique-Local', source: 'RFC 4193, RFC 8190' },
  { cidr: 'fe80::/10', name: 'Link-Local Unicast', source: 'RFC 4291' },
  // Not in the special-purpose registry, but never a public unicast address
  { cidr: '::ffff:0:0:0/96', name: 'IPv4-translated Address', source: 'RFC 2765 §2.1 (obsoleted by RFC 6145)' },
  { cidr: '::/96', name: 'IPv4-Compatible IPv6 Address (deprecated)', source: 'RFC 4291 §2.5.5.1' },
  // IANA IPv6 Address Space Registry: everything outside 2000::/3 that is not assigned above
  { cidr: 'fec0::/10', name: 'Site-Local (deprecated)', source: 'RFC 3879 (IPv6 Address Space registry)' },
  { cidr: 'ff00::/8', name: 'Multicast', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '::/8', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '100::/8', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '200::/7', name: 'Reserved by IETF', source: 'RFC 4048 (IPv6 Address Space registry)' },
  { cidr: '400::/6', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '800::/5', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '1000::/4', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '4000::/2', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: '8000::/2', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: 'c000::/3', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: 'e000::/4', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: 'f000::/5', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: 'f800::/6', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
  { cidr: 'fe00::/9', name: 'Reserved by IETF', source: 'RFC 4291 (IPv6 Address Space registry)' },
];

/** An address as its family and numeric value. */
export type ParsedIp = { family: 4; value: bigint } | { family: 6; value: bigint };

/**
 * Parse an IP address text (any IPv4 dotted-quad or IPv6 form, with or
 * without an IPv6 zone) to its numeric value; undefined if it is not one.
 *
 * @example parseIp('0:0:0:0:0:0:7f00:1') // { family: 6, value: 0x7f000001n }
 */
export function parseIp(text: string): ParsedIp | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 4) return { family: 4, value: ipv4Value(bare) };
  if (family !== 6) return undefined;
  let s = bare.toLowerCase();
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  // A trailing dotted quad is the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v = ipv4Value(dotted[1]!);
    s = s.slice(0, dotted.index) + `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [left, right] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const head = left ? left.split(':') : [];
  const tail = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  return { family: 6, value };
}

function ipv4Value(dotted: string): bigint {
  return dotted.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

const formatIPv4 = (v: bigint): string => [24n, 16n, 8n, 0n].map((shift) => Number((v >> shift) & 255n)).join('.');

interface CompiledRange extends SpecialRange {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function compile(row: SpecialRange): CompiledRange {
  const [net, bits] = row.cidr.split('/') as [string, string];
  const parsed = parseIp(net);
  if (!parsed) throw new Error(`invalid range ${row.cidr}`);
  return { ...row, family: parsed.family, network: parsed.value, prefix: Number(bits) };
}

const COMPILED = SPECIAL_PURPOSE_RANGES.map(compile);

const inRange = (ip: ParsedIp, r: CompiledRange): boolean => {
  if (ip.family !== r.family) return false;
  const shift = BigInt((ip.family === 4 ? 32 : 128) - r.prefix);
  return ip.value >> shift === r.network >> shift;
};

/** The most specific table row an address falls in, if any. */
export function specialRangeOf(ip: string): SpecialRange | undefined {
  const parsed = parseIp(ip);
  if (!parsed) return undefined;
  let best: CompiledRange | undefined;
  for (const r of COMPILED) if (inRange(parsed, r) && (!best || r.prefix > best.prefix)) best = r;
  return best;
}

/** The IPv4 address an IPv6 address embeds per its table row (IPv4-mapped, NAT64, 6to4), if any. */
export function embeddedIPv4(ipv6: string): string | undefined {
  const parsed = parseIp(ipv6);
  const row = parsed?.family === 6 ? COMPILED.find((r) => r.embedsIPv4At !== undefined && inRange(parsed, r)) : undefined;
  if (!parsed || !row) return undefined;
  return formatIPv4((parsed.value >> BigInt(128 - row.embedsIPv4At! - 32)) & 0xffffffffn);
}

export interface AddressPolicy {
  /** Allow 127.0.0.0/8 and ::1 (local mode). */
  allowLoopback: boolean;
  /** CIDRs a deployment explicitly allows, e.g. `10.1.0.0/16`. */
  allowCidrs: readonly string[];
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

const isLoopback = (ip: ParsedIp): boolean => (ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n);

/** The canonical text of a parsed address, for BlockList (which then needs no guessing about forms). */
function canonical(ip: ParsedIp): string {
  if (ip.family === 4) return formatIPv4(ip.value);
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** A checker for one policy. Returns a reason when the address is refused. */
export function addressChecker(policy: AddressPolicy): (ip: string) => string | undefined {
  const allow = buildAllowList(policy.allowCidrs);
  // NAT64 and 6to4 addresses reach their IPv4 address through a translator or relay, never
  // this host's loopback: local mode's loopback allowance applies only to the IPv4-mapped form.
  const throughTranslator = policy.allowLoopback ? addressChecker({ ...policy, allowLoopback: false }) : undefined;
  const check = (ip: string): string | undefined => {
    const parsed = parseIp(ip);
    if (!parsed) return `${ip} is not an IP address`;
    const text = canonical(parsed);
    if (allow.check(text, parsed.family === 4 ? 'ipv4' : 'ipv6')) return undefined;
    if (policy.allowLoopback && isLoopback(parsed)) return undefined;
    const row = specialRangeOf(text);
    if (!row) return undefined;
    if (row.embedsIPv4At !== undefined) {
      const v4 = embeddedIPv4(text)!;
      const inner = (row.cidr === '::ffff:0:0/96' || !throughTranslator ? check : throughTranslator)(v4);
      return inner === undefined ? undefined : `${ip} embeds ${v4} (${row.name}): ${inner}`;
    }
    return `${ip} is a private, loopback, link-local or reserved address (${row.name}, ${row.cidr}, ${row.source})`;
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

/** The text `parsePortPolicy` reads back: `80,443,1024-65535`. */
export const formatPortPolicy = (policy: PortPolicy): string => policy.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(',');
