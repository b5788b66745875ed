import { intToIp, ipToInt, nextFreeAddress, parseCidr } from './address-pool';

describe('address pool', () => {
  it('parses a CIDR into its first and last address', () => {
    const r = parseCidr('127.1.0.0/16');
    expect(intToIp(r.first)).toBe('127.1.0.0');
    expect(intToIp(r.last)).toBe('127.1.255.255');
    expect(intToIp(parseCidr('10.0.3.7/24').first)).toBe('10.0.3.0');
  });

  it('rejects what is not an IPv4 CIDR', () => {
    expect(() => parseCidr('127.1.0.0')).toThrow(/CIDR/);
    expect(() => parseCidr('300.1.0.0/16')).toThrow(/CIDR/);
  });

  it('skips addresses ending in .0 and .255', () => {
    const r = parseCidr('127.1.0.0/16');
    expect(nextFreeAddress(r, new Set())).toBe('127.1.0.1');
    expect(nextFreeAddress(r, new Set(), '127.1.0.254')).toBe('127.1.1.1');
  });

  it('continues after the last allocation and wraps around, skipping used addresses', () => {
    const r = parseCidr('10.0.0.0/30'); // .0 .1 .2 .3
    expect(nextFreeAddress(r, new Set(['10.0.0.1']), '10.0.0.1')).toBe('10.0.0.2');
    expect(nextFreeAddress(r, new Set(['10.0.0.2']), '10.0.0.3')).toBe('10.0.0.1');
    expect(nextFreeAddress(r, new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3']))).toBeUndefined();
  });

  it('round-trips addresses through integers', () => {
    expect(intToIp(ipToInt('127.1.200.17'))).toBe('127.1.200.17');
  });
});
