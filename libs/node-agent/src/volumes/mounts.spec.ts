import { expandSubPathExpr, findVolume, propagationOf, subPathOf } from './mounts';
import { VolumeError } from './volume-error';

describe('expandSubPathExpr', () => {
  const env = { POD_NAME: 'web-1', NS: 'shop', EMPTY: '' };

  it('expands $(VAR) and unescapes $$', () => {
    expect(expandSubPathExpr('logs/$(NS)/$(POD_NAME)', env)).toBe('logs/shop/web-1');
    expect(expandSubPathExpr('cost$$(NS)', env)).toBe('cost$(NS)');
    expect(expandSubPathExpr('plain', env)).toBe('plain');
  });

  it('fails on unset or empty variables, naming them all (kube will not fall back to the volume root)', () => {
    expect(() => expandSubPathExpr('$(NOPE)/$(EMPTY)/$(POD_NAME)', env)).toThrow('missing value for EMPTY, NOPE');
    try {
      expandSubPathExpr('$(NOPE)', env);
    } catch (err) {
      expect((err as VolumeError).reason).toBe('CreateContainerConfigError');
    }
  });
});

describe('subPathOf', () => {
  it('is the subPath, the expanded subPathExpr, or nothing', () => {
    expect(subPathOf({ subPath: 'a' }, {})).toBe('a');
    expect(subPathOf({ subPathExpr: '$(X)' }, { X: 'x' })).toBe('x');
    expect(subPathOf({}, {})).toBeUndefined();
    expect(subPathOf({ subPath: '' }, {})).toBeUndefined();
    expect(() => subPathOf({ subPath: 'a', subPathExpr: 'b' }, {})).toThrow('mutually exclusive');
  });
});

describe('propagationOf', () => {
  it.each([
    [undefined, 'private'],
    ['None', 'private'],
    ['HostToContainer', 'rslave'],
  ])('%s → %s', (mode, expected) => expect(propagationOf(mode, false, 'c')).toBe(expected));

  it('gives Bidirectional to privileged containers only', () => {
    expect(propagationOf('Bidirectional', true, 'c')).toBe('rshared');
    expect(() => propagationOf('Bidirectional', false, 'c')).toThrow('Bidirectional mount propagation is available only to privileged containers');
    expect(() => propagationOf('Sideways', true, 'c')).toThrow('invalid mountPropagation');
  });
});

describe('findVolume', () => {
  it("names the missing volume and the container, in kubelet's words", () => {
    expect(() => findVolume(new Map(), { name: 'data' }, 'web')).toThrow('cannot find volume "data" to mount into container "web"');
  });
});
