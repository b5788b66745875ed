import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { KubeObject } from '@logbook/kube';
import { makeTmpDir } from '@logbook/testing';
import { LocalPathReclaimer } from './local-path-reclaimer';
import { mountTmpfs, unmount } from './mountinfo';

const pv = (name: string, path: string, source: 'local' | 'hostPath' = 'local'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, annotations: { 'logbook.io/local-path-node': 'n1' } },
  spec: { [source]: { path } },
});

describe('LocalPathReclaimer', () => {
  const tmp = makeTmpDir('reclaimer-');
  const volumesDir = join(tmp.path, 'node', 'volumes');
  let pvs: KubeObject[] = [];
  let lists = 0;
  // The API's answer to a PersistentVolume list (the reclaimer's only read).
  const client = {
    listObjects: async (kind: string) => {
      expect(kind).toBe('PersistentVolume');
      lists++;
      return { items: pvs, position: 1 };
    },
  };
  const reclaimer = new LocalPathReclaimer({ client, volumesDir, log: pino({ level: 'silent' }) });
  const volume = (name: string) => {
    mkdirSync(join(volumesDir, name), { recursive: true });
    writeFileSync(join(volumesDir, name, 'data'), name);
    return join(volumesDir, name);
  };

  beforeEach(() => {
    tmp.remove();
    mkdirSync(volumesDir, { recursive: true });
    pvs = [];
    lists = 0;
  });
  afterAll(() => tmp.remove());

  it('removes the directory of a deleted PV and keeps those whose PV remains', async () => {
    const kept = volume('pvc-1111');
    const gone = volume('pvc-2222');
    pvs = [pv('pvc-1111', kept)];
    expect(await reclaimer.sweep()).toEqual([gone]);
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(join(kept, 'data'))).toBe(true);
    expect(await reclaimer.sweep()).toEqual([]);
  });

  it('never touches names other than pvc-*, files, symlinks, or anything outside the volumes dir', async () => {
    volume('data-web-0');
    writeFileSync(join(volumesDir, 'pvc-file'), 'x');
    const outside = join(tmp.path, 'outside', 'pvc-3333');
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, join(volumesDir, 'pvc-link'));
    expect(await reclaimer.sweep()).toEqual([]);
    expect(existsSync(join(volumesDir, 'data-web-0', 'data'))).toBe(true);
    expect(existsSync(join(volumesDir, 'pvc-file'))).toBe(true);
    expect(existsSync(outside)).toBe(true);
  });

  it('keeps a directory any PV refers to: by name, by a hostPath inside it, or a PV of the whole volumes dir', async () => {
    const byName = volume('pvc-aaaa');
    const byInner = volume('pvc-bbbb');
    const byParent = volume('pvc-cccc');
    pvs = [pv('pvc-aaaa', '/elsewhere/x'), pv('other', join(byInner, 'sub'), 'hostPath')];
    expect(await reclaimer.sweep()).toEqual([byParent]);
    volume('pvc-cccc');
    pvs = [pv('everything', volumesDir, 'hostPath')];
    expect(await reclaimer.sweep()).toEqual([]);
    expect([byName, byInner, byParent].every((d) => existsSync(d))).toBe(true);
  });

  it('does not list PVs when there is nothing to reclaim, and removes nothing when the list fails', async () => {
    expect(await reclaimer.sweep()).toEqual([]);
    expect(lists).toBe(0);
    const dir = volume('pvc-dddd');
    const failing = new LocalPathReclaimer({ client: { listObjects: async () => Promise.reject(new Error('API unavailable')) }, volumesDir, log: pino({ level: 'silent' }) });
    await expect(failing.sweep()).rejects.toThrow('API unavailable');
    expect(existsSync(dir)).toBe(true);
  });

  it('leaves a directory alone while something is mounted below it', async () => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: mounting a tmpfs needs root');
      return;
    }
    const dir = volume('pvc-eeee');
    const point = join(dir, 'm');
    mkdirSync(point);
    await mountTmpfs(point, ['size=1m']);
    try {
      expect(await reclaimer.sweep()).toEqual([]);
      expect(existsSync(join(dir, 'data'))).toBe(true);
    } finally {
      await unmount(point);
    }
    expect(await reclaimer.sweep()).toEqual([dir]);
  });
});
