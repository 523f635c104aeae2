import { describe, expect, it } from 'vitest';
import { ptrName, ptrRecord, reverseZoneName } from '../../../plugins/dns/reverse/ptr-name.js';
import { Fatal } from '../../../plugins/plugin-errors.js';

// dig -x agrees with these names against a real BIND: see rfc2136-publisher.test.ts.
describe('reverse names', () => {
  it('names an IPv4 address in in-addr.arpa, octets reversed (RFC 1035 §3.5 example)', () => {
    expect(ptrName('10.2.0.52')).toBe('52.0.2.10.in-addr.arpa');
  });

  it('names an IPv6 address in ip6.arpa, nibbles reversed (RFC 3596 §2.5 example)', () => {
    expect(ptrName('4321:0:1:2:3:4:567:89ab')).toBe('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa');
  });

  it('finds the reverse zone of networks on a label boundary', () => {
    expect(reverseZoneName('192.0.2.0/24')).toBe('2.0.192.in-addr.arpa');
    expect(reverseZoneName('10.0.0.0/8')).toBe('10.in-addr.arpa');
    expect(reverseZoneName('2001:db8::/32')).toBe('8.b.d.0.1.0.0.2.ip6.arpa');
    expect(reverseZoneName('2001:db8:ab00::/40')).toBe('b.a.8.b.d.0.1.0.0.2.ip6.arpa');
  });

  it('refuses networks without a reverse zone of their own, and non-addresses', () => {
    expect(() => reverseZoneName('192.0.2.0/25')).toThrow(new Fatal('192.0.2.0/25 does not end on a label boundary (a multiple of 8 bits), so it has no reverse zone of its own'));
    expect(() => reverseZoneName('2001:db8::/34')).toThrow(Fatal);
    expect(() => reverseZoneName('blog')).toThrow(Fatal);
    expect(() => reverseZoneName('192.0.2/24')).toThrow(new Fatal('"192.0.2/24" is not a network in CIDR notation (192.0.2.0/24, 2001:db8::/32)'));
    expect(() => reverseZoneName('192.0.2.0/40')).toThrow(Fatal);
    expect(() => ptrName('192.0.2')).toThrow(new Fatal('"192.0.2" is not an IP address'));
    expect(() => ptrName('010.0.2.1')).toThrow(Fatal);
    expect(() => ptrName('fe80::1%eth0')).toThrow(Fatal);
  });

  it('makes the PTR record that points an address at its host', () => {
    expect(ptrRecord('192.0.2.10', 'Blog.Hosting.Test.', 300)).toEqual({ name: '10.2.0.192.in-addr.arpa', type: 'PTR', ttl: 300, value: 'blog.hosting.test' });
  });
});
