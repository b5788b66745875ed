import { execFileSync } from 'node:child_process';
import { describeWithContainers, freeClusterCIDR } from '@logbook/testing';
import { hasBlackholeRoute, hasOwnBlackholeRoute, installBlackholeRoutes, removeBlackholeRoutes } from './routes';

function routeOf(address: string): string {
  return execFileSync('ip', ['route', 'get', address], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describeWithContainers('blackhole routes for the cluster CIDRs', () => {
  const cidrs: string[] = [];
  afterAll(() => removeBlackholeRoutes(cidrs));

  it('are installed, drop what is addressed to the CIDR, and are removed again', () => {
    const cidr = freeClusterCIDR();
    cidrs.push(cidr);
    expect(hasBlackholeRoute(cidr)).toBe(false);
    installBlackholeRoutes([cidr]);
    installBlackholeRoutes([cidr]); // idempotent
    expect(hasBlackholeRoute(cidr)).toBe(true);
    expect(hasOwnBlackholeRoute(cidr)).toBe(true);
    // The kernel's lookup (no packet is sent) says an address inside is unreachable.
    const inside = cidr.replace('0.0/16', '7.9');
    expect(() => routeOf(inside)).toThrow();
    removeBlackholeRoutes([cidr]);
    expect(hasBlackholeRoute(cidr)).toBe(false);
    removeBlackholeRoutes([cidr]); // nothing left to remove: no error
  });

  it('leave a blackhole that someone else installed for the same CIDR alone', () => {
    const cidr = freeClusterCIDR();
    cidrs.push(cidr);
    execFileSync('ip', ['route', 'add', 'blackhole', cidr]); // proto boot: not ours
    try {
      installBlackholeRoutes([cidr]);
      expect(hasOwnBlackholeRoute(cidr)).toBe(false);
      removeBlackholeRoutes([cidr]);
      expect(hasBlackholeRoute(cidr)).toBe(true);
    } finally {
      execFileSync('ip', ['route', 'del', 'blackhole', cidr]);
    }
  });
});
