import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { DestinationGuard, DestinationRefusedError, parseAllowNetworks } from '../../src/handlers/destination-guard.js';
import { classifyAddress, networkContains, parseIpAddress, parseNetwork, type IpAddress } from '../../src/handlers/ip-networks.js';

function address(text: string): IpAddress {
  const parsed = parseIpAddress(text);
  if (parsed === undefined) throw new Error(`test address ${text} does not parse`);
  return parsed;
}

function classOf(text: string): string | undefined {
  return classifyAddress(address(text))?.name;
}

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['::1.2.3.4', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.1.2.3', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::', 'private'],
  ])('%s is %s', (text, expected) => {
    expect(classOf(text)).toBe(expected);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    '%s is public',
    (text) => {
      expect(classOf(text)).toBeUndefined();
    },
  );

  it('names the IPv4 address carried by an IPv6 one', () => {
    expect(classifyAddress(address('::ffff:7f00:1'))).toEqual({
      name: 'loopback',
      network: '127.0.0.0/8',
      embedded: { form: 'IPv4-mapped', ipv4: '127.0.0.1' },
    });
    expect(classifyAddress(address('2002:a00:1::'))?.embedded).toEqual({ form: '6to4', ipv4: '10.0.0.1' });
  });

  it('parses only address literals', () => {
    for (const text of ['localhost', '127.1', '010.0.0.1', '1.2.3.4/8', '', '::g', '1::2::3']) expect(parseIpAddress(text), text).toBeUndefined();
  });
});

describe('CIDR parsing', () => {
  it('reads IPv4 and IPv6 networks and single addresses in canonical form', () => {
    expect(parseNetwork('127.0.0.0/8').text).toBe('127.0.0.0/8');
    expect(parseNetwork(' 10.1.0.0/16 ').text).toBe('10.1.0.0/16');
    expect(parseNetwork('10.1.2.3').text).toBe('10.1.2.3/32');
    expect(parseNetwork('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(parseNetwork('FD00:0:0::/8').text).toBe('fd00::/8');
    expect(parseNetwork('::1').text).toBe('::1/128');
    expect(parseNetwork('2001:db8:0:1:0:0:0:0/64').text).toBe('2001:db8:0:1::/64');
  });

  it('matches addresses by prefix and family', () => {
    const net = parseNetwork('10.1.0.0/16');
    expect(networkContains(net, address('10.1.255.1'))).toBe(true);
    expect(networkContains(net, address('10.2.0.1'))).toBe(false);
    expect(networkContains(parseNetwork('0.0.0.0/0'), address('::1'))).toBe(false);
    expect(networkContains(parseNetwork('fd00::/8'), address('fd12:3456::1'))).toBe(true);
  });

  it.each([
    ['10.0.0.0/33', 'prefix length must be a whole number from 0 to 32'],
    ['::/129', 'from 0 to 128'],
    ['10.0.0.0/-1', 'prefix length'],
    ['10.0.0.0/8/8', 'expected address/prefix'],
    ['10.0.0.0/', 'prefix length'],
    ['10.0.0.0/ 8', 'prefix length'],
    ['localhost/8', '"localhost" is not an IPv4 or IPv6 address'],
    ['10.0.0/8', 'is not an IPv4 or IPv6 address'],
    ['fe80::%eth0/64', 'zone'],
    ['10.1.0.0/8', 'has host bits set; the network is 10.0.0.0/8'],
    ['127.0.0.1/8', 'the network is 127.0.0.0/8'],
  ])('refuses %s', (text, message) => {
    expect(() => parseNetwork(text)).toThrow(message);
  });

  it('reads an allow-list separated by commas or spaces, naming its source in errors', () => {
    expect(parseAllowNetworks('127.0.0.0/8, 10.1.0.0/16  ::1', 'X').map((net) => net.text)).toEqual(['127.0.0.0/8', '10.1.0.0/16', '::1/128']);
    expect(parseAllowNetworks(['127.0.0.0/8', '10.0.0.0/8,fd00::/8'], 'X')).toHaveLength(3);
    expect(parseAllowNetworks('', 'X')).toEqual([]);
    const error = (() => {
      try {
        parseAllowNetworks('127.0.0.0/8,10.0.0.0/40', 'JOBS_WEBHOOK_ALLOW_NETWORKS');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^JOBS_WEBHOOK_ALLOW_NETWORKS: "10.0.0.0\/40" is not a CIDR/);
  });
});

describe('destination guard', () => {
  it('refuses internal literals unless their network is allowed, IPv4-mapped forms included', () => {
    const strict = new DestinationGuard();
    expect(() => strict.checkLiteral('127.0.0.1')).toThrow(DestinationRefusedError);
    expect(() => strict.checkLiteral('[::ffff:7f00:1]')).toThrow('::ffff:7f00:1 (IPv4-mapped 127.0.0.1) is a loopback address (127.0.0.0/8)');
    expect(strict.checkLiteral('8.8.8.8')).toBe(true);
    expect(strict.checkLiteral('example.com')).toBe(false);

    const open = new DestinationGuard(parseAllowNetworks('127.0.0.0/8', 'test'));
    expect(open.checkLiteral('127.0.0.1')).toBe(true);
    expect(open.checkLiteral('[::ffff:127.0.0.1]')).toBe(true);
    expect(() => open.checkLiteral('[::1]')).toThrow('::1 is a loopback address (::1/128)');
    expect(() => open.checkLiteral('10.0.0.1')).toThrow('private');
  });

  it('keeps only reachable answers of a name and refuses a name with none', async () => {
    const answers: Record<string, string[]> = {
      'mixed.example': ['10.0.0.1', '93.184.216.34', '::1'],
      'internal.example': ['169.254.169.254', '10.0.0.1'],
      'bogus.example': ['not-an-address'],
    };
    const guard = new DestinationGuard([], async (hostname) => answers[hostname] ?? []);
    expect((await guard.resolve('mixed.example')).map((entry) => entry.text)).toEqual(['93.184.216.34']);
    await expect(guard.resolve('mixed.example', 6)).rejects.toThrow('mixed.example resolves to ::1, a loopback address (::1/128)');
    await expect(guard.resolve('internal.example')).rejects.toThrow('internal.example resolves to 169.254.169.254, a link-local address (169.254.0.0/16)');
    await expect(guard.resolve('nothing.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(guard.resolve('bogus.example')).rejects.toThrow('not an IP address');
  });
});
