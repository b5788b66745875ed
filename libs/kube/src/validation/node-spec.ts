import type { Issue } from './rule';
import { invalid } from './rule';

const absent = (v: unknown) => v === undefined || v === null;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+\/(\d{1,3})$/;

/** Whether `s` is an IPv4 or IPv6 CIDR (`10.244.1.0/24`, `fd00::/64`). */
export function isCidr(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const v4 = IPV4_CIDR.exec(s);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = IPV6_CIDR.exec(s);
  return !!v6 && s.includes(':') && Number(v6[1]) <= 128;
}

/** Node spec: each podCIDR a CIDR (kube's ValidateNode), podCIDR the first of podCIDRs. */
export function nodeSpecIssues(raw: unknown): Issue[] {
  if (!isMap(raw)) return [];
  const spec = raw as any;
  const out: Issue[] = [];
  const list = spec.podCIDRs;
  if (!absent(list) && !Array.isArray(list)) return [invalid(list, 'must be a list', '.podCIDRs')];
  (list ?? []).forEach((c: unknown, i: number) => {
    if (!isCidr(c)) out.push(invalid(c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)', `.podCIDRs[${i}]`));
  });
  if (!absent(spec.podCIDR) && spec.podCIDR !== '' && Array.isArray(list) && list.length > 0 && list[0] !== spec.podCIDR) {
    out.push(invalid(spec.podCIDR, 'must equal the first entry of spec.podCIDRs', '.podCIDR'));
  }
  return out;
}
