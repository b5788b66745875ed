import { isWithin, subPathTarget, validateItemPath, validateSubPath, volumeDir } from './paths';
import { VolumeError } from './volume-error';

describe('volume paths', () => {
  it('lays volumes out as the kubelet does, below the pods directory', () => {
    expect(volumeDir('/n/pods', 'u1', 'emptyDir', 'cache')).toBe('/n/pods/u1/volumes/kubernetes.io~empty-dir/cache');
    expect(volumeDir('/n/pods', 'u1', 'configMap', 'cfg')).toBe('/n/pods/u1/volumes/kubernetes.io~configmap/cfg');
    expect(subPathTarget('/n/pods', 'u1', 'cfg', 'web', 2)).toBe('/n/pods/u1/volume-subpaths/cfg/web/2');
  });

  it.each(['..', '.', '', 'a/b', 'x\0'])('refuses %j as a uid or volume name', (bad) => {
    expect(() => volumeDir('/n/pods', bad, 'emptyDir', 'v')).toThrow(VolumeError);
    expect(() => volumeDir('/n/pods', 'u', 'emptyDir', bad)).toThrow(VolumeError);
  });
});

describe('validateItemPath', () => {
  it.each([
    ['a', 'a'],
    ['dir/file.txt', 'dir/file.txt'],
    ['a//b/./c', 'a/b/c'],
    ['.hidden', '.hidden'],
    ['a..b', 'a..b'],
  ])('accepts %j as %j', (path, clean) => expect(validateItemPath(path)).toBe(clean));

  it.each([
    ['', 'must not be empty'],
    ['/etc/passwd', 'must be relative path'],
    ['../escape', "must not contain '..'"],
    ['a/../../b', "must not contain '..'"],
    ['..data', "must not start with '..'"],
    ['..2026_01_01', "must not start with '..'"],
    ['x'.repeat(256), 'path segment must be less than or equal to 255 characters'],
    ['a/'.repeat(2049), 'must be less than or equal to 4096 characters'],
    ['./', 'must name a file'],
  ])('refuses %j: %s', (path, why) => {
    expect(() => validateItemPath(path)).toThrow(why);
    expect(() => validateItemPath(path)).toThrow(VolumeError);
  });
});

describe('validateSubPath', () => {
  it('keeps a relative path without back-steps', () => {
    expect(validateSubPath('logs/web')).toBe('logs/web');
    expect(validateSubPath('a//b')).toBe('a/b');
  });

  it("refuses absolute paths and '..' as the kubelet words it", () => {
    expect(() => validateSubPath('/etc')).toThrow('error SubPath `/etc` must not be an absolute path');
    expect(() => validateSubPath('a/../..')).toThrow("unable to provision SubPath `a/../..`: must not contain '..'");
    try {
      validateSubPath('..');
    } catch (err) {
      expect((err as VolumeError).reason).toBe('CreateContainerConfigError');
    }
  });
});

describe('isWithin', () => {
  it.each([
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/b/c', true],
    ['/a/b', '/a/bc', false],
    ['/a/b', '/a', false],
    ['/', '/x', true],
  ])('%s contains %s: %s', (parent, child, expected) => expect(isWithin(parent, child)).toBe(expected));
});
