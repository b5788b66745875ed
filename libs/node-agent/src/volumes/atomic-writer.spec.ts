import { planWrite, samePayload, versionDirPrefix } from './atomic-writer';
import type { Payload } from './payload';

const payload = (files: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { data: Buffer.from(f), mode: 0o644 } : { data: Buffer.from(f[0]), mode: f[1] }]));

describe('planWrite', () => {
  describe('when nothing is on disk yet', () => {
    it('writes a version and exposes every top-level name', () => {
      expect(planWrite(undefined, payload({ a: '1', 'dir/b': '2', 'dir/c': '3' }))).toEqual({ write: true, visible: ['a', 'dir'], stale: [] });
    });

    it('writes an empty version for an empty payload (an optional source that is missing)', () => {
      expect(planWrite(undefined, new Map())).toEqual({ write: true, visible: [], stale: [] });
    });
  });

  describe('when the same payload is on disk', () => {
    it('does nothing but keep the symlinks', () => {
      expect(planWrite(payload({ a: '1', 'd/b': '2' }), payload({ 'd/b': '2', a: '1' }))).toEqual({ write: false, visible: ['a', 'd'], stale: [] });
    });
  });

  describe('when the source changed', () => {
    it('writes a new version for changed content', () => {
      expect(planWrite(payload({ a: '1' }), payload({ a: '2' })).write).toBe(true);
    });

    it('writes a new version for a changed mode alone', () => {
      expect(planWrite(payload({ a: ['1', 0o644] }), payload({ a: ['1', 0o600] })).write).toBe(true);
    });

    it('drops the symlinks of names the new version lacks, keeping a directory still used', () => {
      expect(planWrite(payload({ a: '1', b: '2', 'd/x': '3', 'e/y': '4' }), payload({ a: '1', 'd/z': '5' }))).toEqual({ write: true, visible: ['a', 'd'], stale: ['b', 'e'] });
    });
  });
});

describe('samePayload', () => {
  it('compares bytes, modes and paths', () => {
    expect(samePayload(payload({ a: '1' }), payload({ a: '1' }))).toBe(true);
    expect(samePayload(payload({ a: '1' }), payload({ b: '1' }))).toBe(false);
    expect(samePayload(payload({ a: '1' }), payload({ a: '1', b: '1' }))).toBe(false);
  });
});

describe('versionDirPrefix', () => {
  it('is a hidden, UTC-timestamped name as the kubelet makes it', () => {
    expect(versionDirPrefix(new Date('2026-12-06T08:05:09.123Z'))).toBe('..2026_12_06_08_05_09.');
  });
});
