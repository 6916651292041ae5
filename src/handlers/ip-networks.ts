import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses and CIDR networks as numbers (IPv4 in 32 bits, IPv6 in 128), and the classes of
 * addresses a webhook must not reach unless the operator allows them: loopback, private, link-local
 * and the rest, including IPv4 addresses carried inside IPv6 ones.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
  /** As given (an IPv6 zone included: a link-local address needs it to be connected to). */
  text: string;
}

export interface IpNetwork {
  family: IpFamily;
  /** The network address; its host bits are zero. */
  base: bigint;
  prefixLength: number;
  /** Canonical `address/prefix` form. */
  text: string;
}

/** Why an address is refused: its class, the range it falls in, and how an IPv4 address was carried. */
export interface AddressClass {
  /** e.g. "loopback", "private", "link-local". */
  name: string;
  /** The range, e.g. "127.0.0.0/8". */
  network: string;
  /** For an IPv4 address inside an IPv6 one: the form ("IPv4-mapped", "NAT64", "6to4") and the IPv4 address. */
  embedded?: { form: string; ipv4: string };
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Value(text: string): bigint {
  let groups = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted?.[1] !== undefined) {
    const v4 = ipv4Value(dotted[1]);
    groups = `${groups.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** Parses a literal IPv4 or IPv6 address (an IPv6 zone such as `%eth0` is ignored); undefined if it is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, value: ipv4Value(text), text };
  const unzoned = text.split('%')[0] ?? '';
  if (isIPv6(unzoned)) return { family: 6, value: ipv6Value(unzoned), text };
  return undefined;
}

export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) => ((value >> BigInt(112 - index * 16)) & 0xffffn).toString(16));
  // The longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length += 1;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

function hostMask(family: IpFamily, prefixLength: number): bigint {
  return (1n << BigInt(BITS[family] - prefixLength)) - 1n;
}

/**
 * Parses `address/prefix` (or a bare address, meaning that one host). Throws an Error saying
 * what is wrong; host bits set (`10.1.0.0/8`) are refused, as they usually hide a typo that
 * would open far more than meant.
 */
export function parseNetwork(text: string): IpNetwork {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) throw new Error(`"${text}" is not a CIDR (expected address/prefix, e.g. 10.1.0.0/16)`);
  if (addressText.includes('%')) throw new Error(`"${text}" is not a CIDR: a zone (%...) has no place in a network`);
  const address = parseIpAddress(addressText);
  if (address === undefined) throw new Error(`"${text}" is not a CIDR: "${addressText}" is not an IPv4 or IPv6 address`);
  const maxLength = BITS[address.family];
  let prefixLength = maxLength;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxLength) {
      throw new Error(`"${text}" is not a CIDR: the prefix length must be a whole number from 0 to ${maxLength} for IPv${address.family}`);
    }
    prefixLength = Number(prefixText);
  }
  const base = address.value & ~hostMask(address.family, prefixLength);
  const canonical = `${address.family === 4 ? formatIpv4(base) : formatIpv6(base)}/${prefixLength}`;
  if (base !== address.value) throw new Error(`"${text}" has host bits set; the network is ${canonical}`);
  return { family: address.family, base, prefixLength, text: canonical };
}

export function networkContains(network: IpNetwork, address: IpAddress): boolean {
  return network.family === address.family && (address.value & ~hostMask(network.family, network.prefixLength)) === network.base;
}

const IPV4_CLASSES: readonly [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'], // cloud metadata services live here (169.254.169.254)
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // protocol assignments
  ['192.0.2.0/24', 'reserved'], // documentation
  ['192.88.99.0/24', 'reserved'], // former 6to4 relays
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // documentation
  ['203.0.113.0/24', 'reserved'], // documentation
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // future use and broadcast
];

const IPV6_CLASSES: readonly [string, string][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // IPv4-compatible, deprecated
  ['::ffff:0:0:0/96', 'reserved'], // IPv4-translated
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64: translated by a gateway of the local network
  ['100::/64', 'reserved'], // discard-only
  ['2001::/23', 'reserved'], // protocol assignments: Teredo, benchmarking, ORCHID
  ['2001:db8::/32', 'reserved'], // documentation
  ['3fff::/20', 'reserved'], // documentation
  ['5f00::/16', 'reserved'], // segment routing
  ['fc00::/7', 'unique-local'], // includes cloud metadata addresses such as fd00:ec2::254
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

/** IPv6 ranges that carry an IPv4 address, where a connection ends up at that IPv4 address. */
const EMBEDDING: readonly { network: IpNetwork; form: string; shift: bigint }[] = [
  { network: parseNetwork('::ffff:0:0/96'), form: 'IPv4-mapped', shift: 0n },
  { network: parseNetwork('64:ff9b::/96'), form: 'NAT64', shift: 0n },
  { network: parseNetwork('2002::/16'), form: '6to4', shift: 80n },
];

const GLOBAL_UNICAST = parseNetwork('2000::/3');

function compile(table: readonly [string, string][]): { network: IpNetwork; name: string }[] {
  return table.map(([cidr, name]) => ({ network: parseNetwork(cidr), name }));
}

const IPV4_TABLE = compile(IPV4_CLASSES);
const IPV6_TABLE = compile(IPV6_CLASSES);

/** The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64 or 6to4), if any. */
export function embeddedIpv4(address: IpAddress): { address: IpAddress; form: string } | undefined {
  if (address.family !== 6) return undefined;
  for (const { network, form, shift } of EMBEDDING) {
    if (!networkContains(network, address)) continue;
    const value = (address.value >> shift) & 0xffffffffn;
    return { address: { family: 4, value, text: formatIpv4(value) }, form };
  }
  return undefined;
}

/**
 * The refused class of an address, or undefined for a public one. An IPv6 address carrying an
 * IPv4 address is judged by that IPv4 address; IPv6 outside 2000::/3 is reserved.
 */
export function classifyAddress(address: IpAddress): AddressClass | undefined {
  const carried = embeddedIpv4(address);
  if (carried !== undefined) {
    const inner = classifyAddress(carried.address);
    return inner === undefined ? undefined : { ...inner, embedded: { form: carried.form, ipv4: carried.address.text } };
  }
  const table = address.family === 4 ? IPV4_TABLE : IPV6_TABLE;
  // The most specific range names the class (2001:db8::/32 before 2001::/23).
  let found: { network: IpNetwork; name: string } | undefined;
  for (const entry of table) {
    if (networkContains(entry.network, address) && (found === undefined || entry.network.prefixLength > found.network.prefixLength)) {
      found = entry;
    }
  }
  if (found !== undefined) return { name: found.name, network: found.network.text };
  if (address.family === 6 && !networkContains(GLOBAL_UNICAST, address)) return { name: 'reserved', network: 'outside 2000::/3' };
  return undefined;
}

/** "127.0.0.1 is a loopback address (127.0.0.0/8)", or "<host> resolves to 10.0.0.5, a private address (10.0.0.0/8)". */
export function describeRefusal(address: IpAddress, addressClass: AddressClass, hostname?: string): string {
  const carried = addressClass.embedded ? ` (${addressClass.embedded.form} ${addressClass.embedded.ipv4})` : '';
  const what = `a ${addressClass.name} address (${addressClass.network})`;
  return hostname === undefined ? `${address.text}${carried} is ${what}` : `${hostname} resolves to ${address.text}${carried}, ${what}`;
}
