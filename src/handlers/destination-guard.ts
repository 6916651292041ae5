import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { PermanentError, ValidationError } from '../core/errors.js';
import {
  classifyAddress,
  describeRefusal,
  embeddedIpv4,
  networkContains,
  parseIpAddress,
  parseNetwork,
  type AddressClass,
  type IpAddress,
  type IpNetwork,
} from './ip-networks.js';

/** The environment variable listing networks webhooks may reach although their class is refused. */
export const WEBHOOK_ALLOW_NETWORKS_ENV = 'JOBS_WEBHOOK_ALLOW_NETWORKS';

/** Resolves a host name to its addresses (IPv4 and/or IPv6 literals). Default: the system resolver. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

/** A destination the guard will not connect to; permanent, as a retry would reach the same place. */
export class DestinationRefusedError extends PermanentError {
  readonly address: string;
  readonly addressClass: AddressClass;
  constructor(address: IpAddress, addressClass: AddressClass, hostname?: string) {
    super(describeRefusal(address, addressClass, hostname));
    this.name = 'DestinationRefusedError';
    this.address = address.text;
    this.addressClass = addressClass;
  }
}

/**
 * Parses an allow-list: CIDRs (or single addresses) separated by commas or whitespace. `source`
 * names where the list came from in the error. Throws ValidationError on the first bad entry.
 */
export function parseAllowNetworks(list: string | readonly string[], source: string): IpNetwork[] {
  const entries = (typeof list === 'string' ? [list] : list).flatMap((item) => item.split(/[\s,]+/)).filter((item) => item !== '');
  return entries.map((entry) => {
    try {
      return parseNetwork(entry);
    } catch (error) {
      throw new ValidationError(`${source}: ${(error as Error).message}`);
    }
  });
}

const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Decides which addresses an outgoing request may connect to. Its `lookup` replaces the DNS
 * lookup of the socket, so the address checked is the address connected to: a name whose
 * answer changes between a check and the connection (DNS rebinding) gains nothing.
 */
export class DestinationGuard {
  constructor(
    private readonly allowed: readonly IpNetwork[] = [],
    private readonly resolveHost: HostResolver = systemResolver,
  ) {}

  /** The class that makes `address` refused, or undefined when it may be reached. */
  refusal(address: IpAddress): AddressClass | undefined {
    const addressClass = classifyAddress(address);
    if (addressClass === undefined) return undefined;
    const carried = embeddedIpv4(address)?.address;
    const allowed = this.allowed.some((network) => networkContains(network, address) || (carried !== undefined && networkContains(network, carried)));
    return allowed ? undefined : addressClass;
  }

  /**
   * For a URL host that is an address literal (the socket does no lookup for those): throws
   * DestinationRefusedError when refused. Returns false for a name, which `lookup` checks.
   */
  checkLiteral(hostname: string): boolean {
    const address = parseIpAddress(hostname.startsWith('[') ? hostname.slice(1, -1) : hostname);
    if (address === undefined) return false;
    const refused = this.refusal(address);
    if (refused !== undefined) throw new DestinationRefusedError(address, refused);
    return true;
  }

  /** Resolves `hostname` and keeps the addresses that may be reached; refuses when none remain. */
  async resolve(hostname: string, family?: 4 | 6): Promise<IpAddress[]> {
    const answers = (await this.resolveHost(hostname)).map((text) => {
      const address = parseIpAddress(text);
      if (address === undefined) throw new Error(`resolving ${hostname} gave "${text}", not an IP address`);
      return address;
    });
    const candidates = family === undefined ? answers : answers.filter((address) => address.family === family);
    if (candidates.length === 0) {
      throw Object.assign(new Error(`${hostname} has no IPv${family ?? '4 or IPv6'} address`), { code: 'ENOTFOUND', hostname });
    }
    const reachable = candidates.filter((address) => this.refusal(address) === undefined);
    if (reachable.length > 0) return reachable;
    // Every candidate is refused; name the first one's class.
    const [first] = candidates as [IpAddress];
    throw new DestinationRefusedError(first, this.refusal(first) as AddressClass, hostname);
  }

  /** A `lookup` for net/http/https sockets that answers only with addresses that may be reached. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : undefined;
    this.resolve(hostname, family).then(
      (addresses) => {
        if (options.all) callback(null, addresses.map((address) => ({ address: address.text, family: address.family })));
        else callback(null, addresses[0]?.text ?? '', addresses[0]?.family ?? 4);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
