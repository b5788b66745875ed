/**
 * Resource quantities as admission compares, sums and prints them: an exact count of
 * thousandths (bigint, so 1Ei of memory stays exact) plus the format kube would print it in
 * (binary suffixes stay binary), so that `1024Mi` reads `1Gi` and `0.5` reads `500m` in a
 * refusal, as resource.Quantity's String() does.
 */
export interface Quantity {
  readonly milli: bigint;
  readonly binary: boolean;
}

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const FORM = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/** A quantity's exact value: digits × 10^exp10 × 1024^bin, negated when `negative`. */
export interface ExactQuantity {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly exp10: number;
  readonly bin: number;
}

/** The one reading of kube's quantity grammar (`500m`, `1Gi`, `1.5`, `1e3`); undefined when it is not one. */
export function exact(input: unknown): ExactQuantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  const m = FORM.exec(String(input).trim());
  if (!m) return undefined;
  const [, sign, number, suffix = '', exponent] = m;
  const [whole, frac = ''] = number.split('.');
  let exp10 = -frac.length;
  let bin = 0;
  if (exponent !== undefined) exp10 += Number(exponent);
  else if (suffix in BINARY) bin = BINARY[suffix];
  else exp10 += DECIMAL[suffix];
  return { negative: sign === '-', digits: BigInt((whole || '0') + frac), exp10, bin };
}

/** Parses `500m`, `1Gi`, `2`, `1e3`; undefined when it is not a quantity (validation reports those). */
export function parse(input: unknown): Quantity | undefined {
  const q = exact(input);
  if (!q) return undefined;
  let n = q.digits * 1000n * 1024n ** BigInt(q.bin);
  // Rounded up to whole thousandths, as MilliValue() does.
  if (q.exp10 >= 0) n *= 10n ** BigInt(q.exp10);
  else {
    const d = 10n ** BigInt(-q.exp10);
    n = (n + d - 1n) / d;
  }
  return { milli: q.negative ? -n : n, binary: q.bin > 0 };
}

export const ZERO: Quantity = { milli: 0n, binary: false };

/** A sum keeps the first operand's format, as Quantity.Add does. */
export const add = (a: Quantity, b: Quantity): Quantity => ({ milli: a.milli + b.milli, binary: a.milli === 0n && a === ZERO ? b.binary : a.binary });

export const compare = (a: Quantity, b: Quantity): number => (a.milli < b.milli ? -1 : a.milli > b.milli ? 1 : 0);

const BINARY_SUFFIXES: ReadonlyArray<[string, bigint]> = [
  ['Ei', 1024n ** 6n],
  ['Pi', 1024n ** 5n],
  ['Ti', 1024n ** 4n],
  ['Gi', 1024n ** 3n],
  ['Mi', 1024n ** 2n],
  ['Ki', 1024n],
];
const DECIMAL_SUFFIXES: ReadonlyArray<[string, bigint]> = [
  ['E', 10n ** 18n],
  ['P', 10n ** 15n],
  ['T', 10n ** 12n],
  ['G', 10n ** 9n],
  ['M', 10n ** 6n],
  ['k', 1000n],
];

/** The canonical form: the largest suffix that keeps the number whole (`1536Mi`, `2k`, `1500m`, `0`). */
export function format(q: Quantity): string {
  if (q.milli === 0n) return '0';
  const negative = q.milli < 0n;
  const milli = negative ? -q.milli : q.milli;
  const sign = negative ? '-' : '';
  if (milli % 1000n !== 0n) return `${sign}${milli}m`;
  const units = milli / 1000n;
  for (const [suffix, size] of q.binary ? BINARY_SUFFIXES : DECIMAL_SUFFIXES) if (units % size === 0n) return `${sign}${units / size}${suffix}`;
  return `${sign}${units}`;
}

/** A container's (or pod's) resource list as quantities; malformed entries are skipped. */
export function resourceList(list: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (typeof list !== 'object' || list === null) return out;
  for (const [name, value] of Object.entries(list)) {
    const q = parse(value);
    if (q) out.set(name, q);
  }
  return out;
}
