/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests that scrape
 * /metrics. Strict where scrapers are: names and label names by the spec's grammar, escapes in
 * label values, at most one HELP and TYPE per family and before its samples, a family's samples
 * together, no series twice, histogram buckets with `le`, cumulative, ending in `+Inf` equal to
 * `_count`. (The npm parser `parse-prometheus-text-format` is unmaintained and merges the
 * buckets of a labelled histogram's series into one, so it cannot check what we expose.)
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  help?: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly samples: Sample[];
}

export class PrometheusText {
  constructor(readonly families: ReadonlyMap<string, MetricFamily>) {}

  /** The samples named exactly `name` (e.g. `x_bucket` of histogram x) whose labels include `match`. */
  samples(name: string, match: Record<string, string> = {}): Sample[] {
    return [...this.families.values()].flatMap((f) => f.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)));
  }

  /** Sum of the values of those samples (0 when there are none). */
  sum(name: string, match: Record<string, string> = {}): number {
    return this.samples(name, match).reduce((n, s) => n + s.value, 0);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): PrometheusText {
  const families = new Map<string, MetricFamily>();
  const finished = new Set<string>();
  const seen = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const fail = (n: number, why: string): never => {
    throw new Error(`line ${n + 1}: ${why}: ${JSON.stringify(lines[n])}`);
  };
  const family = (name: string, n: number): MetricFamily => {
    if (current?.name === name) return current;
    if (finished.has(name) || families.has(name)) fail(n, `metric family ${name} appears in two places`);
    if (current) finished.add(current.name);
    current = { name, type: 'untyped', samples: [] };
    families.set(name, current);
    return current;
  };

  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name) || METRIC_NAME.exec(name)![0] !== name) fail(n, 'invalid metric name');
      const f = family(name, n);
      if (keyword === 'HELP') {
        if (f.help !== undefined) fail(n, 'second HELP');
        f.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      } else {
        if (f.samples.length > 0) fail(n, 'TYPE after samples');
        if (!TYPES.has(rest)) fail(n, `unknown type ${rest}`);
        f.type = rest as MetricFamily['type'];
      }
      return;
    }
    const sample = parseSample(line, (why) => fail(n, why));
    const f = family(familyName(sample.name, families, current), n);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) fail(n, 'series appears twice');
    seen.add(key);
    f.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return new PrometheusText(families);
}

/** The family a sample belongs to: `x_bucket`, `x_sum`, `x_count` of histogram or summary x. */
function familyName(sampleName: string, families: ReadonlyMap<string, MetricFamily>, current: MetricFamily | undefined): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  if (m) {
    const f = current?.name === m[1] ? current : families.get(m[1]);
    if (f && (f.type === 'histogram' || (f.type === 'summary' && m[2] !== 'bucket'))) return m[1];
  }
  return sampleName;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  let rest = line;
  const name = METRIC_NAME.exec(rest)?.[0] ?? fail('invalid metric name');
  rest = rest.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0] ?? fail('invalid label name');
      rest = rest.slice(label.length);
      if (!rest.startsWith('="')) fail(`label ${label} without ="value"`);
      rest = rest.slice(2);
      let value = '';
      for (;;) {
        if (rest === '') fail('unterminated label value');
        const c = rest[0];
        if (c === '"') break;
        if (c === '\\') {
          const e = rest[1];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else fail(`invalid escape \\${e ?? ''}`);
          rest = rest.slice(2);
        } else {
          value += c;
          rest = rest.slice(1);
        }
      }
      rest = rest.slice(1);
      if (label in labels) fail(`label ${label} twice`);
      labels[label] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) fail('expected , or } after a label');
    }
    rest = rest.slice(1);
  }
  const m = /^ +(\S+)(?: +(-?\d+))? *$/.exec(rest) ?? fail('expected a value (and an optional timestamp)');
  return { name, labels, value: parseValue(m[1], fail) };
}

/** Values as Prometheus reads them (Go's ParseFloat): NaN and Inf in any case — prom-client writes `Nan`. */
function parseValue(text: string, fail: (why: string) => never): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf' || special === '+infinity' || special === 'infinity') return Infinity;
  if (special === '-inf' || special === '-infinity') return -Infinity;
  if (special === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(`invalid value ${text}`);
  return Number(text);
}

function checkHistogram(f: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([parseValue(le, (why) => {
        throw new Error(`${f.name}: ${why}`);
      }), s.value]);
    } else if (s.name === `${f.name}_count`) entry.count = s.value;
    else if (s.name !== `${f.name}_sum`) throw new Error(`${f.name}: unexpected sample ${s.name} in a histogram`);
  }
  for (const [labels, { buckets, count }] of series) {
    const where = `${f.name}${labels}`;
    const last = buckets[buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (count === undefined || last[1] !== count) throw new Error(`${where}: the +Inf bucket is not _count`);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][0] <= buckets[i - 1][0]) throw new Error(`${where}: buckets out of order`);
      if (buckets[i][1] < buckets[i - 1][1]) throw new Error(`${where}: buckets not cumulative`);
    }
  }
}
