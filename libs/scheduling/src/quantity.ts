import { quantity } from '@logbook/kube';

/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `128974848`, `1.5`, `2k`, `1e3`). Parsed into an
 * exact decimal (digits × 10^exp × 1024^bin) so that `1.1` CPUs is 1100 millicores, not 1101 after
 * floating-point noise; rounding up matches resource.Quantity's MilliValue()/Value().
 */
type Exact = quantity.ExactQuantity;

function parseExact(input: string | number): Exact {
  const q = quantity.exact(input);
  if (!q) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${input}"`);
  return q;
}

/** The value scaled by 10^scale, rounded up (towards +∞) to an integer. */
function scaled(q: Exact, scale: number): number {
  let n = q.digits * 1024n ** BigInt(q.bin);
  const e = q.exp10 + scale;
  if (e >= 0) n *= 10n ** BigInt(e);
  else {
    const d = 10n ** BigInt(-e);
    n = q.negative ? n / d : (n + d - 1n) / d;
  }
  return Number(q.negative ? -n : n);
}

/** The quantity as a plain number: `'500m'` → 0.5, `'1Gi'` → 1073741824. Throws on malformed input. */
export function parseQuantity(input: string | number): number {
  const q = parseExact(input);
  const v = Number(q.digits) * 10 ** q.exp10 * 1024 ** q.bin;
  return q.negative ? -v : v;
}

/** Thousandths, rounded up: CPU in millicores (`'1.5'` → 1500, `'250m'` → 250). */
export function milliValue(input: string | number): number {
  return scaled(parseExact(input), 3);
}

/** Whole units, rounded up: memory in bytes (`'1Gi'` → 1073741824, `'1.5k'` → 1500). */
export function intValue(input: string | number): number {
  return scaled(parseExact(input), 0);
}
