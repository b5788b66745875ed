import { existsSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, readSync, closeSync, realpathSync, statSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import type { KubeObject } from '@logbook/kube';
import type { ClusterClient } from '@logbook/components';
import { makeTmpDir, randomName } from '@logbook/testing';
import { ServiceAccountTokens, VolumeManager, VolumeError } from './index';
import { mountsUnder, parseMountInfo, unmount } from './mountinfo';

/**
 * The volume manager on a real directory, real tmpfs and bind mounts (root needed). The API is
 * a small in-memory ClusterClient answering getObject: what is under test is the file side.
 */
const root = process.getuid?.() === 0;
const describeAsRoot = root || process.env.CI === 'true' ? describe : describe.skip;
if (!root) process.stdout.write(`volume-manager.int-spec: ${process.env.CI === 'true' ? 'failing' : 'skipped'}: tmpfs and bind mounts need root\n`);

class ObjectsClient {
  readonly objects = new Map<string, KubeObject>();
  put(obj: KubeObject): void {
    this.objects.set(`${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, structuredClone(obj));
  }
  async getObject(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const obj = this.objects.get(`${kind}/${namespace ?? ''}/${name}`);
    return obj && structuredClone(obj);
  }
}

const mountPoints = () => parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => m.mountPoint);
const mountOf = (path: string) => parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')).find((m) => m.mountPoint === path);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const mode = (path: string) => statSync(path).mode & 0o7777;

describeAsRoot('VolumeManager (real files, tmpfs and bind mounts)', () => {
  const tmp = makeTmpDir('volumes-int-');
  const podsDir = join(tmp.path, 'pods');
  const client = new ObjectsClient();
  const manager = new VolumeManager({ podsDir, client: client as unknown as ClusterClient, nodeName: 'n1', log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }) });
  const ns = 'default';

  const makePod = (volumes: object[], containers: object[], extra: object = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: randomName('pod'), namespace: ns, uid: randomName('uid'), labels: { app: 'web' } },
    spec: { nodeName: 'n1', volumes, containers, ...extra },
  });
  const failure = async (p: Promise<unknown>): Promise<VolumeError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VolumeError);
    return err as VolumeError;
  };

  afterAll(async () => {
    for (const uid of manager.list()) await manager.tearDown(uid).catch(() => undefined);
    // Whatever a failed test left mounted must not outlive the run (nor be deleted through).
    const left = mountsUnder(parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')), realpathSync(tmp.path));
    for (let round = 0; round < 5; round++) for (const p of mountsUnder(parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')), realpathSync(tmp.path))) await unmount(p).catch(() => undefined);
    tmp.remove();
    expect(left).toEqual([]);
  });

  it('updates a configMap volume in place: ..data swaps to a new version, an open reader keeps the complete old one', async () => {
    const name = randomName('cm');
    client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'app.conf': 'version=1\n'.repeat(1000), gone: 'soon' } });
    const pod = makePod([{ name: 'cfg', configMap: { name, defaultMode: 0o640 } }], [{ name: 'web', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] }]);
    const mounts = await manager.setUp(pod);
    const dir = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~configmap/cfg');
    expect(mounts.get('web')).toEqual([{ containerPath: '/etc/app', hostPath: dir, readOnly: true, propagation: 'private' }]);
    expect(readlinkSync(join(dir, 'app.conf'))).toBe('..data/app.conf');
    const v1 = readlinkSync(join(dir, '..data'));
    expect(v1).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    expect(mode(join(dir, 'app.conf'))).toBe(0o640);
    expect(statSync(join(dir, 'app.conf')).uid).toBe(0);
    expect(mode(join(podsDir, pod.metadata.uid!)) & 0o007).toBe(0);

    // Nothing changed: no new version.
    await manager.setUp(pod);
    expect(readlinkSync(join(dir, '..data'))).toBe(v1);

    const reader = openSync(join(dir, 'app.conf'), 'r');
    client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'app.conf': 'version=2\n', added: 'new' } });
    await manager.setUp(pod);
    const v2 = readlinkSync(join(dir, '..data'));
    expect(v2).not.toBe(v1);
    const old = Buffer.alloc(20_000);
    const n = readSync(reader, old, 0, old.length, 0);
    closeSync(reader);
    expect(old.subarray(0, n).toString()).toBe('version=1\n'.repeat(1000));
    expect(readFileSync(join(dir, 'app.conf'), 'utf8')).toBe('version=2\n');
    expect(readFileSync(join(dir, 'added'), 'utf8')).toBe('new');
    expect(existsSync(join(dir, 'gone'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['..data', v2, 'added', 'app.conf'].sort());
    await manager.tearDown(pod.metadata.uid!);
  });

  it('never shows a concurrent reader in another process a partial or missing file across 30 updates', async () => {
    const name = randomName('cm');
    const content = (v: number) => `v${v}:${'x'.repeat(100_000)}`;
    client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: content(0) } });
    const pod = makePod([{ name: 'cfg', configMap: { name } }], [{ name: 'web' }]);
    await manager.setUp(pod);
    const dir = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~configmap/cfg');
    const stop = join(tmp.path, `${name}.stop`);
    const script = `
      const fs = require('fs'); const [dir, stop] = process.argv.slice(1); let reads = 0; const bad = []; const seen = new Set();
      process.stdout.write('ready\\n');
      while (!fs.existsSync(stop)) {
        try { const s = fs.readFileSync(dir + '/a', 'utf8'); const m = /^v(\\d+):(x+)$/.exec(s); if (!m || m[2].length !== 100000) bad.push(s.length); else seen.add(m[1]); reads++; }
        catch (e) { bad.push(e.code); }
      }
      process.stdout.write(JSON.stringify({ reads, versions: seen.size, bad: bad.slice(0, 5), badCount: bad.length }));`;
    const child = spawn(process.execPath, ['-e', script, dir, stop]);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    for (let v = 1; v <= 30; v++) {
      client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { a: content(v) } });
      await manager.setUp(pod);
    }
    writeFileSync(stop, '');
    await exited;
    const result = JSON.parse(out.slice(out.indexOf('\n') + 1));
    expect(result).toMatchObject({ bad: [], badCount: 0 });
    expect(result.reads).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe(content(30));
    await manager.tearDown(pod.metadata.uid!);
  });

  it('fails a missing configMap in kubelet words, and mounts an optional one empty', async () => {
    const pod = makePod([{ name: 'cfg', configMap: { name: 'nope' } }], [{ name: 'web' }]);
    const err = await failure(manager.setUp(pod));
    expect(err.reason).toBe('FailedMount');
    expect(err.message).toBe('MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
    const optional = makePod([{ name: 'cfg', configMap: { name: 'nope', optional: true } }], [{ name: 'web' }]);
    await manager.setUp(optional);
    expect(readdirSync(join(podsDir, optional.metadata.uid!, 'volumes/kubernetes.io~configmap/cfg')).filter((e) => !e.startsWith('..'))).toEqual([]);
    await manager.tearDown(optional.metadata.uid!);
  });

  it('keeps secrets in memory (tmpfs), decoded, with items, modes and the pod fsGroup', async () => {
    const name = randomName('secret');
    client.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data: { password: b64('s3cret'), other: b64('x') } });
    const pod = makePod(
      [{ name: 'creds', secret: { secretName: name, defaultMode: 0o400, items: [{ key: 'password', path: 'db/password' }] } }],
      [{ name: 'web', volumeMounts: [{ name: 'creds', mountPath: '/secrets', readOnly: false }] }],
      { securityContext: { fsGroup: 2345 } },
    );
    await manager.setUp(pod);
    const dir = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~secret/creds');
    expect(mountOf(realpathSync(dir))?.fsType).toBe('tmpfs');
    expect(readFileSync(join(dir, 'db/password'), 'utf8')).toBe('s3cret');
    expect(existsSync(join(dir, 'other'))).toBe(false);
    const file = realpathSync(join(dir, 'db/password'));
    expect(mode(file)).toBe(0o440);
    expect(statSync(file)).toMatchObject({ uid: 0, gid: 2345 });
    expect(statSync(realpathSync(join(dir, '..data'))).gid).toBe(2345);
    await manager.tearDown(pod.metadata.uid!);
    expect(mountOf(realpathSync(podsDir) + dir.slice(podsDir.length))).toBeUndefined();
  });

  it('mounts a memory emptyDir as a sized tmpfs and unmounts it on tear-down; a disk emptyDir is 0777 with fsGroup', async () => {
    const pod = makePod(
      [
        { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'disk', emptyDir: {} },
      ],
      [{ name: 'a', volumeMounts: [{ name: 'ram', mountPath: '/ram' }, { name: 'disk', mountPath: '/disk' }] }, { name: 'b', volumeMounts: [{ name: 'disk', mountPath: '/shared' }] }],
      { securityContext: { fsGroup: 3000 } },
    );
    const mounts = await manager.setUp(pod);
    const ram = realpathSync(join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~empty-dir/ram'));
    const disk = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~empty-dir/disk');
    expect(mountOf(ram)).toMatchObject({ fsType: 'tmpfs', superOptions: expect.stringContaining('size=16384k') });
    expect(mode(disk)).toBe(0o2777);
    expect(statSync(disk).gid).toBe(3000);
    expect(mounts.get('b')).toEqual([{ containerPath: '/shared', hostPath: disk, readOnly: false, propagation: 'private' }]);
    // A second sync must not stack a second tmpfs.
    await manager.setUp(pod);
    expect(mountPoints().filter((p) => p === ram)).toHaveLength(1);
    expect(manager.list()).toContain(pod.metadata.uid);
    await manager.tearDown(pod.metadata.uid!);
    expect(mountOf(ram)).toBeUndefined();
    expect(existsSync(join(podsDir, pod.metadata.uid!))).toBe(false);
    expect(manager.list()).not.toContain(pod.metadata.uid);
  });

  it('keeps one tmpfs per volume when the pods directory is reached through a symlink', async () => {
    const real = join(tmp.path, 'real-pods');
    mkdirSync(real);
    const linked = join(tmp.path, 'linked-pods');
    symlinkSync(real, linked);
    const viaLink = new VolumeManager({ podsDir: linked, client: client as unknown as ClusterClient, nodeName: 'n1', log: pino({ level: 'silent' }) });
    const pod = makePod([{ name: 'ram', emptyDir: { medium: 'Memory' } }], [{ name: 'c', volumeMounts: [{ name: 'ram', mountPath: '/r' }] }]);
    const first = (await viaLink.setUp(pod)).get('c')![0].hostPath;
    await viaLink.setUp(pod);
    expect(first.startsWith(real)).toBe(true);
    expect(mountPoints().filter((p) => p === first)).toHaveLength(1);
    await viaLink.tearDown(pod.metadata.uid!);
    expect(mountOf(first)).toBeUndefined();
  });

  it('waits for an unbound claim, then mounts the bound PV directory with the claim readOnly', async () => {
    const claim = randomName('pvc');
    client.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim, namespace: ns, uid: 'claim-uid' }, spec: {}, status: { phase: 'Pending' } });
    const pod = makePod([{ name: 'data', persistentVolumeClaim: { claimName: claim, readOnly: true } }], [{ name: 'db', volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }] }]);
    const err = await failure(manager.setUp(pod));
    expect(err.reason).toBe('VolumeNotReady');
    expect(err.message).toBe(`error processing PVC ${ns}/${claim}: PVC ${ns}/${claim} has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")`);

    const pvPath = join(tmp.path, 'pv-data', claim);
    client.put({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${claim}` }, spec: { local: { path: pvPath }, claimRef: { uid: 'claim-uid' } } });
    client.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim, namespace: ns, uid: 'claim-uid' }, spec: { volumeName: `pv-${claim}` }, status: { phase: 'Bound' } });
    const mounts = await manager.setUp(pod);
    expect(mounts.get('db')).toEqual([{ containerPath: '/var/lib/db', hostPath: pvPath, readOnly: true, propagation: 'private' }]);
    writeFileSync(join(pvPath, 'keep'), 'data');
    await manager.tearDown(pod.metadata.uid!);
    expect(readFileSync(join(pvPath, 'keep'), 'utf8')).toBe('data');

    const missing = makePod([{ name: 'data', persistentVolumeClaim: { claimName: 'nope' } }], [{ name: 'db' }]);
    expect((await failure(manager.setUp(missing))).message).toContain('persistentvolumeclaims "nope" not found');
  });

  it("checks hostPath types as Kubernetes does, with kube's wording", async () => {
    const base = join(tmp.path, 'host');
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'file'), '');
    const sock = join(base, 'sock');
    const server = createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    const check = async (path: string, type: string) => {
      const pod = makePod([{ name: 'h', hostPath: { path, type } }], [{ name: 'c', volumeMounts: [{ name: 'h', mountPath: '/h' }] }]);
      try {
        return await manager.setUp(pod);
      } finally {
        await manager.tearDown(pod.metadata.uid!);
      }
    };
    try {
      expect((await failure(check(join(base, 'file'), 'Directory'))).message).toBe(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${base}/file is not a directory`);
      expect((await failure(check(join(base, 'missing'), 'File'))).message).toContain(`hostPath type check failed: ${base}/missing is not a file`);
      expect((await failure(check(join(base, 'file'), 'Socket'))).message).toContain('is not a socket file');
      expect((await failure(check(join(base, 'file'), 'CharDevice'))).message).toContain('is not a character device');
      expect((await failure(check('/dev/null', 'BlockDevice'))).message).toContain('hostPath type check failed: /dev/null is not a block device');
      expect((await failure(check(base, 'Weird'))).message).toContain('Weird is an invalid volume type');
      expect((await check(sock, 'Socket')).get('c')).toEqual([{ containerPath: '/h', hostPath: sock, readOnly: false, propagation: 'private' }]);
      await check('/dev/null', 'CharDevice');
      await check(join(base, 'made/dir'), 'DirectoryOrCreate');
      expect(statSync(join(base, 'made/dir')).isDirectory()).toBe(true);
      await check(join(base, 'made/file'), 'FileOrCreate');
      expect(statSync(join(base, 'made/file')).isFile()).toBe(true);
    } finally {
      server.close();
    }
    const strict = new VolumeManager({ podsDir, client: client as unknown as ClusterClient, nodeName: 'n1', log: pino({ level: 'silent' }), allowHostPath: false });
    const pod = makePod([{ name: 'h', hostPath: { path: base } }], [{ name: 'c' }]);
    expect((await failure(strict.setUp(pod))).message).toContain('hostPath volumes are not allowed on this node');
  });

  it('binds subPaths (made inside the volume, subPathExpr from the env) and refuses ones escaping through a symlink', async () => {
    const name = randomName('cm');
    client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'nginx.conf': 'v1' } });
    const pod = makePod(
      [{ name: 'work', emptyDir: {} }, { name: 'cfg', configMap: { name } }],
      [
        {
          name: 'web',
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          volumeMounts: [
            { name: 'work', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' },
            { name: 'cfg', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' },
          ],
        },
      ],
    );
    const mounts = (await manager.setUp(pod)).get('web')!;
    const work = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~empty-dir/work');
    const [logs, conf] = mounts;
    expect(logs.hostPath).toBe(join(podsDir, pod.metadata.uid!, 'volume-subpaths/work/web/0'));
    expect(mountOf(realpathSync(logs.hostPath))).toBeDefined();
    writeFileSync(join(logs.hostPath, 'through-the-bind'), 'x');
    expect(readFileSync(join(work, 'logs', pod.metadata.name!, 'through-the-bind'), 'utf8')).toBe('x');
    expect(mode(join(work, 'logs', pod.metadata.name!))).toBe(0o777); // the volume root's mode, not the umask's
    expect(conf).toMatchObject({ containerPath: '/etc/nginx/nginx.conf', readOnly: true });
    expect(readFileSync(conf.hostPath, 'utf8')).toBe('v1');

    // The configMap changes: the volume follows, the subPath mount keeps its version (as in kube).
    client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'nginx.conf': 'v2' } });
    await manager.setUp(pod);
    expect(readFileSync(join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~configmap/cfg/nginx.conf'), 'utf8')).toBe('v2');
    expect(readFileSync(conf.hostPath, 'utf8')).toBe('v1');

    // A container that plants a symlink to the host's root in a shared volume gets no mount of it.
    symlinkSync('/etc', join(work, 'evil'));
    const attacker = { ...pod, spec: { ...pod.spec, containers: [{ name: 'evil', volumeMounts: [{ name: 'work', mountPath: '/x', subPath: 'evil' }] }] } };
    const err = await failure(manager.setUp(attacker));
    expect(err.reason).toBe('CreateContainerConfigError');
    expect(err.message).toContain('subpath "/etc" not within volume path');
    const absolute = { ...pod, spec: { ...pod.spec, containers: [{ name: 'abs', volumeMounts: [{ name: 'work', mountPath: '/x', subPath: '/etc' }] }] } };
    expect((await failure(manager.setUp(absolute))).message).toBe('error SubPath `/etc` must not be an absolute path');

    await manager.tearDown(pod.metadata.uid!);
    expect(mountPoints().filter((p) => p.includes(pod.metadata.uid!))).toEqual([]);
    expect(lstatSync('/etc').isDirectory()).toBe(true);
  });

  it('renders downwardAPI and projected volumes, following label changes and a token source', async () => {
    const name = randomName('cm');
    client.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { 'ca.crt': 'CA' } });
    const tokens = new VolumeManager({
      podsDir,
      client: client as unknown as ClusterClient,
      nodeName: 'n1',
      log: pino({ level: 'silent' }),
      serviceAccountTokens: { token: async (pod, req) => `token-for-${pod.metadata.name}-${req.audience}-${req.expirationSeconds}` },
    });
    const pod = makePod(
      [
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        {
          name: 'sa',
          projected: {
            defaultMode: 0o420,
            sources: [{ serviceAccountToken: { path: 'token', audience: 'api', expirationSeconds: 600 } }, { configMap: { name, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }],
          },
        },
      ],
      [{ name: 'c', volumeMounts: [{ name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
    );
    await tokens.setUp(pod);
    const info = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~downward-api/info');
    const sa = join(podsDir, pod.metadata.uid!, 'volumes/kubernetes.io~projected/sa');
    expect(readFileSync(join(info, 'labels'), 'utf8')).toBe('app="web"');
    expect(readFileSync(join(sa, 'token'), 'utf8')).toBe(`token-for-${pod.metadata.name}-api-600`);
    expect(readFileSync(join(sa, 'ca.crt'), 'utf8')).toBe('CA');
    expect(readFileSync(join(sa, 'namespace'), 'utf8')).toBe(ns);
    expect(mode(realpathSync(join(sa, 'token')))).toBe(0o420);
    expect(mountOf(realpathSync(sa))?.fsType).toBe('tmpfs');

    pod.metadata.labels = { app: 'web', version: '2' };
    await tokens.setUp(pod);
    expect(readFileSync(join(info, 'labels'), 'utf8')).toBe('app="web"\nversion="2"');

    // Without a token source the token file is simply absent.
    await manager.setUp(pod);
    expect(existsSync(join(sa, 'token'))).toBe(false);
    expect(readFileSync(join(sa, 'ca.crt'), 'utf8')).toBe('CA');
    await manager.tearDown(pod.metadata.uid!);
  });

  it('renews a projected token at 80 % of its life through the ..data swap, and a failing first request is FailedMount', async () => {
    let now = Date.parse('2026-12-06T00:00:00Z');
    let issued = 0;
    let refuse = false;
    const api = {
      getObject: client.getObject.bind(client),
      requestToken: async (_ns: string, sa: string, spec: { expirationSeconds?: number }) => {
        if (refuse) throw new Error(`serviceaccounts "${sa}" not found`);
        return { token: `jwt-${++issued}`, expirationTimestamp: new Date(now + spec.expirationSeconds! * 1000).toISOString() };
      },
    } as unknown as ClusterClient;
    const renewing = new VolumeManager({ podsDir, client: api, nodeName: 'n1', log: pino({ level: 'silent' }), serviceAccountTokens: new ServiceAccountTokens(api, () => now) });
    const volume = { name: 'kube-api-access-x1', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } };
    const pod = makePod([volume], [{ name: 'c', volumeMounts: [{ name: volume.name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }]);
    const dir = join(podsDir, pod.metadata.uid!, `volumes/kubernetes.io~projected/${volume.name}`);
    await renewing.setUp(pod);
    const firstVersion = readlinkSync(join(dir, '..data'));
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe('jwt-1');

    now += 0.7 * 3607_000;
    await renewing.setUp(pod);
    expect(readlinkSync(join(dir, '..data'))).toBe(firstVersion);
    now += 0.11 * 3607_000;
    await renewing.setUp(pod);
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe('jwt-2');
    expect(readlinkSync(join(dir, '..data'))).not.toBe(firstVersion);
    expect(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data')).toHaveLength(1);
    await renewing.tearDown(pod.metadata.uid!);

    refuse = true;
    const orphan = makePod([volume], []);
    const err = await failure(renewing.setUp(orphan));
    expect(err.reason).toBe('FailedMount');
    expect(err.message).toContain('failed to fetch token: serviceaccounts "default" not found');
    await renewing.tearDown(orphan.metadata.uid!);
  });

  it('tears down a pod it never saw (a stray after a restart), mounts included', async () => {
    const pod = makePod([{ name: 'ram', emptyDir: { medium: 'Memory' } }], [{ name: 'c', volumeMounts: [{ name: 'ram', mountPath: '/r', subPath: 'sub' }] }]);
    await manager.setUp(pod);
    const restarted = new VolumeManager({ podsDir, client: client as unknown as ClusterClient, nodeName: 'n1', log: pino({ level: 'silent' }) });
    expect(restarted.list()).toContain(pod.metadata.uid);
    await restarted.tearDown(pod.metadata.uid!);
    expect(mountPoints().filter((p) => p.includes(pod.metadata.uid!))).toEqual([]);
    expect(restarted.list()).not.toContain(pod.metadata.uid);
  });
});
