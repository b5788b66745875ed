/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `128974848`, `1.5`, `2k`, `1e3`). Parsed into an
 * exact decimal (digits × 10^exp × 1024^bin) so that `1.1` CPUs is 1100 millicores, not 1101 after
 * floating-point noise; rounding up matches resource.Quantity's MilliValue()/Value().
 */
interface Exact {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly exp10: number;
  readonly bin: number;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const FORM = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

function parseExact(input: string | number): Exact {
  const s = String(input).trim();
  const m = FORM.exec(s);
  if (!m) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${input}"`);
  const [, sign, number, suffix = '', exponent] = m;
  const [whole, frac = ''] = number.split('.');
  let exp10 = -frac.length;
  let bin = 0;
  if (exponent !== undefined) exp10 += Number(exponent);
  else if (suffix in BINARY) bin = BINARY[suffix];
  else exp10 += DECIMAL[suffix];
  return { negative: sign === '-', digits: BigInt((whole || '0') + frac), exp10, bin };
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
