import { validateObject } from './validate-object';

const pdb = (spec: Record<string, unknown> | undefined, name = 'web') => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'default' },
  ...(spec ? { spec } : {}),
});
const selector = { matchLabels: { app: 'web' } };

describe('validateObject on PodDisruptionBudget', () => {
  it.each([
    ['minAvailable as an int', { minAvailable: 2, selector }],
    ['minAvailable as a percentage', { minAvailable: '50%', selector }],
    ['maxUnavailable 0 (no voluntary disruption)', { maxUnavailable: 0, selector }],
    ['maxUnavailable 100%', { maxUnavailable: '100%', selector }],
    ['an empty selector (every pod of the namespace)', { minAvailable: 1, selector: {} }],
    ['no selector (no pod)', { minAvailable: 1 }],
    ['an eviction policy', { minAvailable: 1, selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' }],
  ])('accepts %s', (_what, spec) => {
    expect(validateObject(pdb(spec))).toEqual([]);
  });

  it('refuses both minAvailable and maxUnavailable, on spec', () => {
    expect(validateObject(pdb({ minAvailable: 1, maxUnavailable: 1, selector }))).toEqual([
      expect.objectContaining({ field: 'spec', reason: 'FieldValueInvalid', message: expect.stringContaining('minAvailable and maxUnavailable cannot be both set') }),
    ]);
  });

  it('refuses neither, and a missing spec', () => {
    const neither = [{ field: 'spec.minAvailable', reason: 'FieldValueRequired', message: 'Required value: one of minAvailable or maxUnavailable must be set' }];
    expect(validateObject(pdb({ selector }))).toEqual(neither);
    expect(validateObject(pdb(undefined))).toEqual(neither);
  });

  it.each([
    [{ minAvailable: -1, selector }, 'spec.minAvailable', 'Invalid value: -1: must be greater than or equal to 0'],
    [{ minAvailable: '150%', selector }, 'spec.minAvailable', 'Invalid value: "150%": must not be greater than 100%'],
    [{ maxUnavailable: 'two', selector }, 'spec.maxUnavailable', expect.stringContaining("a valid percent string must be a numeric string followed by an ending '%'")],
    [{ maxUnavailable: 1.5, selector }, 'spec.maxUnavailable', "Invalid value: 1.5: must be an integer or percentage (e.g '5%')"],
    [{ minAvailable: true, selector }, 'spec.minAvailable', "Invalid value: true: must be an integer or percentage (e.g '5%')"],
    [{ minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }, 'spec.selector.matchExpressions[0].operator', expect.stringContaining('Unsupported value: "Near"')],
    [{ minAvailable: 1, selector: { matchLabels: { 'bad key!': 'x' } } }, expect.stringContaining('spec.selector.matchLabels'), expect.any(String)],
    [{ minAvailable: 1, selector, unhealthyPodEvictionPolicy: 'Sometimes' }, 'spec.unhealthyPodEvictionPolicy', expect.stringContaining('Unsupported value: "Sometimes"')],
  ])('refuses %j', (spec, field, message) => {
    expect(validateObject(pdb(spec))).toEqual([expect.objectContaining({ field, message })]);
  });

  it('refuses a name that is not a DNS subdomain', () => {
    expect(validateObject(pdb({ minAvailable: 1, selector }, 'Web_1'))).toEqual([expect.objectContaining({ field: 'metadata.name', reason: 'FieldValueInvalid' })]);
  });
});
