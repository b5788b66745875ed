import { execFileSync } from 'node:child_process';

/**
 * Blackhole routes for the cluster's pod and service CIDRs: a packet addressed to them that no
 * more specific route (a node's bridge) takes is dropped here instead of following the default
 * route off this machine. Ours carry their own `proto` number, so that removing them never
 * touches a route that someone else installed for the same CIDR.
 */
const PROTO_NUMBER = '211'; // unassigned in /etc/iproute2/rt_protos; iproute2 accepts raw numbers

export function installBlackholeRoutes(cidrs: readonly string[]): void {
  for (const cidr of cidrs) {
    if (hasForeignBlackhole(cidr)) continue; // already dropped by someone else's route: keep theirs
    const other = ip(['-j', 'route', 'show', 'exact', cidr, 'table', 'main']).trim();
    const others = other ? (JSON.parse(other) as { type?: string; dev?: string }[]).filter((r) => r.type !== 'blackhole') : [];
    // `replace` would silently take over a real route of this machine for the same prefix.
    if (others.length > 0) throw new Error(`cannot blackhole ${cidr}: this machine already routes it (${others.map((r) => `dev ${r.dev ?? '?'}`).join(', ')}); choose a cluster CIDR that is not in use`);
    ip(['route', 'replace', 'blackhole', cidr, 'proto', PROTO_NUMBER]);
  }
}

export function removeBlackholeRoutes(cidrs: readonly string[]): void {
  for (const cidr of cidrs) {
    if (!routesFor(cidr).some((r) => r.protocol === PROTO_NUMBER)) continue;
    ip(['route', 'del', 'blackhole', cidr, 'proto', PROTO_NUMBER]);
  }
}

/** Whether any blackhole route (ours or not) covers exactly `cidr`. */
export function hasBlackholeRoute(cidr: string): boolean {
  return routesFor(cidr).length > 0;
}

/** Whether a blackhole route that Logbook installed covers exactly `cidr`. */
export function hasOwnBlackholeRoute(cidr: string): boolean {
  return routesFor(cidr).some((r) => r.protocol === PROTO_NUMBER);
}

function hasForeignBlackhole(cidr: string): boolean {
  return routesFor(cidr).some((r) => r.protocol !== PROTO_NUMBER);
}

interface RouteEntry {
  readonly dst: string;
  readonly protocol?: string;
}

function routesFor(cidr: string): RouteEntry[] {
  // -N: protocols as numbers, so ours reads '211' whatever rt_protos names.
  const out = ip(['-j', '-N', 'route', 'show', 'exact', cidr, 'table', 'main', 'type', 'blackhole']);
  return out.trim() ? (JSON.parse(out) as RouteEntry[]) : [];
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}
