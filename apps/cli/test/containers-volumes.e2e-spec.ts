import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContainerCluster,
  describeWithContainers,
  eventually,
  kubectl,
  kubectlBinaries,
  makeTmpDir,
  randomName,
  readyPods,
  removeContainerCluster,
  startContainerCluster,
  useKubectl,
  kubectlVersion,
} from '@logbook/testing';

jest.setTimeout(300_000);

const b64 = (s: string) => Buffer.from(s).toString('base64');

// `sleep` as PID 1 ignores SIGTERM: a short grace period keeps deletions quick.
const SLEEPER = { terminationGracePeriodSeconds: 1 };
const sleeper = (name: string, mounts: object[] = []) => ({ name, image: 'busybox', command: ['sleep', '3600'], volumeMounts: mounts });

/**
 * Issue 11's volume acceptance on a real containerd managed by the node agent, with real
 * kubectl 1.20 and 1.32: configMap and secret volumes follow `kubectl edit` in place, an
 * emptyDir is shared by a pod's containers, a claim's data outlives its pod, and a
 * StatefulSet's volumeClaimTemplates keep each replica's data across `kubectl delete pod`.
 */
describeWithContainers('volumes of container pods', () => {
  const dir = makeTmpDir('logbook-volumes-');
  const cache = makeTmpDir('kubectl-cache-');
  const tools = makeTmpDir('kubectl-editor-');
  let c: ContainerCluster;

  // kubectl edit runs $EDITOR on a temporary YAML file; this one rewrites EDIT_FROM into EDIT_TO.
  const editor = join(tools.path, 'editor.sh');
  writeFileSync(editor, '#!/bin/sh\nset -e\ngrep -q "$EDIT_FROM" "$1"\nsed -i "s|$EDIT_FROM|$EDIT_TO|" "$1"\n');
  chmodSync(editor, 0o755);
  const edit = async (resource: string, from: string, to: string) => {
    const r = await kubectl(c.kubeconfig, ['edit', resource], { cacheDir: cache.path, env: { KUBE_EDITOR: '', EDITOR: editor, EDIT_FROM: from, EDIT_TO: to } });
    if (r.code !== 0) throw new Error(`kubectl edit ${resource} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const cat = (pod: string, path: string, container?: string) => c.ok(['exec', pod, ...(container ? ['-c', container] : []), '--', 'cat', path]);
  const running = async (name: string) => (await readyPods(c, name, 1, 120_000))[0];

  beforeAll(async () => {
    // In-place updates of configMap and secret volumes every second, not every ten.
    c = await startContainerCluster(dir.path, cache.path, [], { LOGBOOK_VOLUME_RESYNC_MS: '1000' });
  }, 120_000);

  afterAll(async () => {
    if (c) await removeContainerCluster(c, dir.path);
    dir.remove();
    cache.remove();
    tools.remove();
  }, 180_000);

  describe.each(kubectlBinaries().map((bin) => [kubectlVersion(bin), bin]))('with kubectl %s', (_version, bin) => {
    beforeAll(() => useKubectl(bin));

    it('mounts configMap and secret volumes and changes them in place after kubectl edit', async () => {
      const name = randomName('cfg');
      const [before, after] = [randomName('hello'), randomName('bonjour')];
      const [secretBefore, secretAfter] = [randomName('s3cret'), randomName('rotated')];
      await c.ok(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { greeting: before } },
          { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: { token: b64(secretBefore) } },
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name, namespace: 'default', labels: { app: name } },
            spec: {
              ...SLEEPER,
              containers: [sleeper('c', [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'sec', mountPath: '/etc/sec', readOnly: true }])],
              volumes: [
                { name: 'cfg', configMap: { name } },
                { name: 'sec', secret: { secretName: name, defaultMode: 0o400 } },
              ],
            },
          },
        ],
      }));
      await running(name);
      expect(await cat(name, '/etc/cfg/greeting')).toBe(before);
      expect(await cat(name, '/etc/sec/token')).toBe(secretBefore);
      expect((await c.ok(['exec', name, '--', 'stat', '-L', '-c', '%a', '/etc/sec/token'])).trim()).toBe('400');
      // Volumes are read-only for the container.
      expect((await kubectl(c.kubeconfig, ['exec', name, '--', 'sh', '-c', 'echo x > /etc/cfg/greeting'], { cacheDir: cache.path })).code).not.toBe(0);

      await edit(`configmap/${name}`, before, after);
      await edit(`secret/${name}`, b64(secretBefore), b64(secretAfter));
      expect((await c.json(['get', 'configmap', name])).data.greeting).toBe(after);
      // The same container sees the new contents: no restart.
      await eventually(async () => (await cat(name, '/etc/cfg/greeting')) === after, { timeoutMs: 30_000, intervalMs: 500, what: 'the configMap volume updated in place' });
      await eventually(async () => (await cat(name, '/etc/sec/token')) === secretAfter, { timeoutMs: 30_000, intervalMs: 500, what: 'the secret volume updated in place' });
      expect((await c.json(['get', 'pod', name])).status.containerStatuses[0].restartCount).toBe(0);
      await c.ok(['delete', 'pod', name, '--wait=false']);
      await c.ok(['delete', 'configmap,secret', name]);
    });

    it('shares an emptyDir between two containers of a pod', async () => {
      const name = randomName('shared');
      const token = randomName('note');
      await c.ok(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: name } },
        spec: {
          ...SLEEPER,
          containers: [
            { name: 'writer', image: 'busybox', command: ['sh', '-c', `echo ${token} > /out/note; exec sleep 3600`], volumeMounts: [{ name: 'scratch', mountPath: '/out' }] },
            sleeper('reader', [{ name: 'scratch', mountPath: '/in' }]),
          ],
          volumes: [{ name: 'scratch', emptyDir: {} }],
        },
      }));
      await running(name);
      await eventually(async () => (await cat(name, '/in/note', 'reader').catch(() => '')) === `${token}\n`, { timeoutMs: 30_000, intervalMs: 500, what: 'the reader seeing the writer\'s file' });
      // Both ways: the reader's writes reach the writer.
      await c.ok(['exec', name, '-c', 'reader', '--', 'sh', '-c', 'echo back > /in/reply']);
      expect(await cat(name, '/out/reply', 'writer')).toBe('back\n');
      await c.ok(['delete', 'pod', name, '--wait=false']);
    });

    it('keeps a claim\'s data when its pod is deleted, for the next pod that mounts it', async () => {
      const claim = randomName('data');
      const token = randomName('kept');
      const pod = (name: string) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: name } },
        spec: { ...SLEEPER, containers: [sleeper('c', [{ name: 'data', mountPath: '/data' }])], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
      });
      const first = randomName('pvc-a');
      await c.ok(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } },
          pod(first),
        ],
      }));
      await running(first);
      const pvc = await c.json(['get', 'pvc', claim]);
      expect(pvc.status.phase).toBe('Bound');
      expect(pvc.spec.storageClassName).toBe('standard');
      await c.ok(['exec', first, '--', 'sh', '-c', `echo ${token} > /data/token`]);
      await c.ok(['delete', 'pod', first]);

      const second = randomName('pvc-b');
      await c.ok(['apply', '-f', '-'], JSON.stringify(pod(second)));
      await running(second);
      expect(await cat(second, '/data/token')).toBe(`${token}\n`);
      expect((await c.json(['get', 'pvc', claim])).spec.volumeName).toBe(pvc.spec.volumeName);
      await c.ok(['delete', 'pod', second]);
      // The class's Delete reclaim policy: the claim's volume goes with it.
      await c.ok(['delete', 'pvc', claim]);
      await eventually(async () => (await kubectl(c.kubeconfig, ['get', 'pv', pvc.spec.volumeName], { cacheDir: cache.path })).stderr.includes('NotFound'), { timeoutMs: 30_000, intervalMs: 500, what: `PV ${pvc.spec.volumeName} deleted` });
    });

    it('keeps each StatefulSet replica\'s volumeClaimTemplate data across kubectl delete pod', async () => {
      const set = randomName('db');
      await c.ok(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Service', metadata: { name: set, namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: set }, ports: [{ port: 80 }] } },
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            metadata: { name: set, namespace: 'default' },
            spec: {
              serviceName: set,
              replicas: 2,
              selector: { matchLabels: { app: set } },
              template: {
                metadata: { labels: { app: set } },
                spec: {
                  ...SLEEPER,
                  // The first start of each replica records its name; later starts keep it.
                  containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', '[ -f /data/first ] || hostname > /data/first; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
                },
              },
              volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } } }],
            },
          },
        ],
      }));
      const pods = await readyPods(c, set, 2, 180_000);
      expect(pods.map((p) => p.metadata.name).sort()).toEqual([`${set}-0`, `${set}-1`]);
      const tokens = new Map<string, string>();
      const uids = new Map<string, string>();
      for (const p of pods) {
        const name = p.metadata.name;
        tokens.set(name, randomName(name));
        uids.set(name, p.metadata.uid);
        await c.ok(['exec', name, '--', 'sh', '-c', `echo ${tokens.get(name)} > /data/token`]);
      }
      const volumes = new Map<string, string>();
      for (const ordinal of [0, 1]) {
        const pvc = await c.json(['get', 'pvc', `data-${set}-${ordinal}`]);
        expect(pvc.status.phase).toBe('Bound');
        volumes.set(pvc.metadata.name, pvc.spec.volumeName);
      }
      expect(new Set(volumes.values()).size).toBe(2);

      await c.ok(['delete', 'pod', `${set}-0`, `${set}-1`]);
      const again = await eventually(
        async () => {
          const ready = await readyPods(c, set, 2, 180_000);
          return ready.every((p) => p.metadata.uid !== uids.get(p.metadata.name)) && ready;
        },
        { timeoutMs: 180_000, intervalMs: 1_000, what: 'both replicas re-created' },
      );
      for (const p of again) {
        const name = p.metadata.name;
        expect(await cat(name, '/data/token')).toBe(`${tokens.get(name)}\n`);
        expect(await cat(name, '/data/first')).toBe(`${name}\n`);
      }
      for (const ordinal of [0, 1]) {
        const pvc = await c.json(['get', 'pvc', `data-${set}-${ordinal}`]);
        expect(pvc.spec.volumeName).toBe(volumes.get(pvc.metadata.name));
      }
      await c.ok(['delete', 'statefulset,service', set, '--wait=false']);
      await c.ok(['delete', 'pvc', `data-${set}-0`, `data-${set}-1`, '--wait=false']);
    });
  });
});
