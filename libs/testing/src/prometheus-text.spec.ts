import { parsePrometheusText } from './prometheus-text';

const VALID = `# HELP http_requests_total Requests, by "code".
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"} 3
# a plain comment
# TYPE lat histogram
lat_bucket{verb="get",le="0.1"} 2
lat_bucket{verb="get",le="1"} 5
lat_bucket{verb="get",le="+Inf"} 6
lat_sum{verb="get"} 3.5
lat_count{verb="get"} 6
lat_bucket{verb="list",le="0.1"} 0
lat_bucket{verb="list",le="1"} 1
lat_bucket{verb="list",le="+Inf"} 1
lat_sum{verb="list"} 0.5
lat_count{verb="list"} 1
escaped{path="C:\\\\dir\\"x\\"\\n"} NaN
up 1e-3
# what prom-client writes for a gauge without samples yet (Go's ParseFloat ignores case)
lag_mean Nan
`;

describe('parsePrometheusText', () => {
  it('reads families, types, labels with escapes, values and a labelled histogram per series', () => {
    const text = parsePrometheusText(VALID);
    expect([...text.families.keys()]).toEqual(['http_requests_total', 'lat', 'escaped', 'up', 'lag_mean']);
    expect(text.families.get('http_requests_total')).toMatchObject({ type: 'counter', help: 'Requests, by "code".' });
    expect(text.sum('http_requests_total', { method: 'post' })).toBe(1030);
    expect(text.sum('lat_count')).toBe(7);
    expect(text.samples('lat_bucket', { verb: 'list', le: '1' })[0].value).toBe(1);
    expect(text.samples('escaped')[0].labels.path).toBe('C:\\dir"x"\n');
    expect(text.sum('up')).toBe(0.001);
    expect(text.families.get('up')!.type).toBe('untyped');
    expect(text.samples('lag_mean')[0].value).toBeNaN();
  });

  it.each([
    ['a name that starts with a digit', '1abc 1'],
    ['a value that is not a number', 'x 1,5'],
    ['a label without quotes', 'x{a=b} 1'],
    ['an unknown escape', 'x{a="\\t"} 1'],
    ['an unterminated label set', 'x{a="b" 1'],
    ['a series twice', 'x{a="b"} 1\nx{a="b"} 2'],
    ['a family split in two places', 'x 1\ny 1\nx{a="b"} 2'],
    ['TYPE after samples', 'x 1\n# TYPE x gauge'],
    ['an unknown type', '# TYPE x meter'],
    ['a second HELP', '# HELP x a\n# HELP x b'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1'],
    ['a +Inf bucket that is not _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1'],
    ['buckets that are not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="2"} 2\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 3'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1'],
  ])('rejects %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
