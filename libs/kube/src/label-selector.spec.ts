import { ApiError } from './api-error';
import { labelSelectorFromSpec, labelSelectorToString, matchesLabels, parseLabelSelector } from './label-selector';

describe('parseLabelSelector', () => {
  const labels = { app: 'web', tier: 'fe', 'app.kubernetes.io/name': 'x' };
  it.each<[string, boolean]>([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=fe', true],
    ['app=web,tier=be', false],
    [' app = web , tier in ( fe ) ', true],
    ['app.kubernetes.io/name=x', true],
    ['missing=', false],
  ])('%j matches %s', (s, expected) => {
    expect(matchesLabels(parseLabelSelector(s), labels)).toBe(expected);
  });

  it('an empty value matches a label set to ""', () => {
    expect(matchesLabels(parseLabelSelector('e='), { e: '' })).toBe(true);
  });

  it('returns the parsed requirements, sorted by key', () => {
    expect(parseLabelSelector('tier in (b,a),app=web,!x').requirements).toEqual([
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: 'in', values: ['a', 'b'] },
      { key: 'x', operator: '!', values: [] },
    ]);
  });

  it.each(['app=', 'a=b,', ',a', 'app in web', 'app in (a', 'app notin ()', '=x', 'app=web=x', 'bad key=x', 'app=-x-', 'a/b/c=d', 'a=(b)'])(
    'rejects %j with a 400 (except where valid)',
    (s) => {
      if (s === 'app=') return expect(parseLabelSelector(s).requirements).toEqual([{ key: 'app', operator: '=', values: [''] }]);
      let error: unknown;
      try {
        parseLabelSelector(s);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe(400);
    },
  );
});

describe('labelSelectorFromSpec', () => {
  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromSpec({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'env', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['z1'] },
      ],
    });
    expect(matchesLabels(sel, { app: 'web', tier: 'fe', env: 'p' })).toBe(true);
    expect(matchesLabels(sel, { app: 'web', tier: 'fe', env: 'p', legacy: '1' })).toBe(false);
    expect(matchesLabels(sel, { app: 'web', tier: 'fe' })).toBe(false);
    expect(labelSelectorToString(sel)).toBe('app=web,env,!legacy,tier in (be,fe),zone notin (z1)');
  });

  it('an empty selector selects everything, a missing one nothing', () => {
    expect(matchesLabels(labelSelectorFromSpec({}), { a: 'b' })).toBe(true);
    expect(matchesLabels(labelSelectorFromSpec(undefined), { a: 'b' })).toBe(false);
  });

  it('rejects unknown operators and values on Exists', () => {
    expect(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Like' }] })).toThrow(ApiError);
    expect(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(ApiError);
  });
});

describe('labelSelectorToString', () => {
  it.each([
    ['app=web', 'app=web'],
    ['b!=1,a', 'a,b!=1'],
    ['x notin (c,a)', 'x notin (a,c)'],
    ['!x', '!x'],
  ])('%j → %j and back', (input, output) => {
    expect(labelSelectorToString(parseLabelSelector(input))).toBe(output);
    expect(labelSelectorToString(parseLabelSelector(output))).toBe(output);
  });

  it('accepts a spec directly (Scale status.selector)', () => {
    expect(labelSelectorToString({ matchLabels: { app: 'web', tier: 'fe' } })).toBe('app=web,tier=fe');
  });
});
