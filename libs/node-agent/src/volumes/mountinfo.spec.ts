import { mountsUnder, parseMountInfo } from './mountinfo';

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '66 27 0:63 / /n/pods/u1/volumes/kubernetes.io~empty-dir/cache rw,relatime - tmpfs tmpfs rw,size=1024k,mode=777',
  '67 27 0:64 / /n/pods/u1/volumes/kubernetes.io~secret/my\\040secret rw,relatime - tmpfs tmpfs rw,mode=755',
  '68 66 8:1 /data /n/pods/u1/volume-subpaths/cache/web/0 rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '69 27 0:65 / /n/pods/u10/volumes/kubernetes.io~empty-dir/x rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('parseMountInfo', () => {
  it('reads mount points (unescaped), file system types and super options, optional fields included', () => {
    const mounts = parseMountInfo(MOUNTINFO);
    expect(mounts).toHaveLength(5);
    expect(mounts[1]).toEqual({ mountPoint: '/n/pods/u1/volumes/kubernetes.io~empty-dir/cache', fsType: 'tmpfs', superOptions: 'rw,size=1024k,mode=777' });
    expect(mounts[2].mountPoint).toBe('/n/pods/u1/volumes/kubernetes.io~secret/my secret');
    expect(mounts[3]).toMatchObject({ mountPoint: '/n/pods/u1/volume-subpaths/cache/web/0', fsType: 'ext4' });
  });
});

describe('mountsUnder', () => {
  it("lists one pod's mounts, deepest first, not a neighbour's with a longer uid", () => {
    expect(mountsUnder(parseMountInfo(MOUNTINFO), '/n/pods/u1')).toEqual([
      '/n/pods/u1/volume-subpaths/cache/web/0',
      '/n/pods/u1/volumes/kubernetes.io~secret/my secret',
      '/n/pods/u1/volumes/kubernetes.io~empty-dir/cache',
    ]);
  });
});
