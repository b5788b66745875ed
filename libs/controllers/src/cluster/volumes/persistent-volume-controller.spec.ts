import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeObject, makePod } from '../../../../kube/src/testing/builders';
import { Harness } from '../../workloads/testing/harness';
import { fixture } from '../testing/fixture';
import { PersistentVolumeController } from './persistent-volume-controller';

const standard = () => makeObject('storage.k8s.io/v1', 'StorageClass', 'standard').with('provisioner', 'logbook.io/local-path').with('reclaimPolicy', 'Delete').with('volumeBindingMode', 'WaitForFirstConsumer').obj();
const claim = (name: string, className: string) =>
  applyDefaults(makeObject('v1', 'PersistentVolumeClaim', name, 'default').with('metadata.uid', `uid-${name}`).with('spec', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: className }).obj());
const node = (name: string, dir?: string) =>
  makeObject('v1', 'Node', name).labels({ 'kubernetes.io/hostname': name }).with('metadata.annotations', dir ? { 'logbook.io/volumes-dir': dir } : undefined).with('status', { conditions: [{ type: 'Ready', status: 'True' }] }).obj();
const pod = (name: string, claimName: string) => makePod(name).with('metadata.uid', `uid-${name}`).with('spec.volumes', [{ name: 'data', persistentVolumeClaim: { claimName } }]).obj();
const manual = (name: string, policy = 'Retain') =>
  applyDefaults(makeObject('v1', 'PersistentVolume', name).with('spec', { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/srv/${name}` }, storageClassName: 'manual', persistentVolumeReclaimPolicy: policy }).obj());

async function cluster(seed: KubeObject[]): Promise<Harness> {
  const h = new Harness([new PersistentVolumeController()], seed);
  h.enqueueAll('PersistentVolumeClaim');
  await h.settle();
  return h;
}
const pv = (h: Harness, name: string) => h.cache.get('PersistentVolume', undefined, name);

describe('PersistentVolumeController', () => {
  describe('when a claim of a WaitForFirstConsumer local-path class waits for its pod', () => {
    it('provisions on the pod\'s node once it is bound there, binds both and records kube\'s events', async () => {
      const h = await cluster([standard(), node('n1', '/var/lib/logbook/volumes/'), node('n2', '/other'), claim('data', 'standard'), pod('app', 'data')]);
      expect(h.get('PersistentVolumeClaim', 'data')!.status.phase).toBe('Pending');
      expect(h.events.lines()).toContain('Normal WaitForFirstConsumer waiting for first consumer to be created before binding');
      expect(h.cache.list('PersistentVolume')).toEqual([]);

      h.client.put({ ...h.get('Pod', 'app')!, spec: { ...h.get('Pod', 'app')!.spec, nodeName: 'n1' } });
      await h.settle();
      const c = h.get('PersistentVolumeClaim', 'data')!;
      const v = pv(h, `pvc-${c.metadata.uid}`)!;
      expect(v.spec).toMatchObject({
        capacity: { storage: '2Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'standard',
        local: { path: `/var/lib/logbook/volumes/pvc-${c.metadata.uid}` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
        claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: c.metadata.uid },
      });
      expect(v.metadata.annotations).toEqual({ 'pv.kubernetes.io/provisioned-by': 'logbook.io/local-path', 'logbook.io/local-path-node': 'n1' });
      expect(v.status.phase).toBe('Bound');
      expect(c.spec.volumeName).toBe(v.metadata.name);
      expect(c.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
      expect(c.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/selected-node': 'n1' });
      expect(c.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
      expect(h.events.lines()).toContain(`Normal ProvisioningSucceeded Successfully provisioned volume ${v.metadata.name} using logbook.io/local-path on node n1`);

      h.client.clear();
      h.enqueueAll('PersistentVolumeClaim');
      await h.settle();
      expect(h.client.writes).toEqual([]); // settled: nothing more to write
    });

    it('holds a deleted claim while a pod uses it, then releases and deletes its Delete volume', async () => {
      const h = await cluster([standard(), node('n1', '/v'), claim('data', 'standard'), { ...pod('app', 'data'), spec: { ...pod('app', 'data').spec, nodeName: 'n1' } }]);
      const c = h.get('PersistentVolumeClaim', 'data')!;
      const name = c.spec.volumeName;
      h.client.put({ ...c, metadata: { ...c.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } });
      await h.settle();
      expect(h.get('PersistentVolumeClaim', 'data')!.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);

      await h.client.delete('Pod', 'default', 'app', {});
      await h.settle();
      expect(h.get('PersistentVolumeClaim', 'data')!.metadata.finalizers).toEqual([]);
      await h.client.delete('PersistentVolumeClaim', 'default', 'data', {}); // the API server completes the deletion
      await h.settle();
      expect(h.client.of('updateStatus', 'PersistentVolume').map((w) => (w.verb === 'updateStatus' ? w.obj.status.phase : '')).at(-1)).toBe('Released');
      expect(h.client.of('delete', 'PersistentVolume').map((w) => w.name)).toEqual([name]);
      expect(pv(h, name)).toBeUndefined();
    });
  });

  describe('with static volumes', () => {
    it('binds the smallest fitting volume; a deleted claim leaves a Retain volume Released', async () => {
      const h = await cluster([manual('big'), manual('small'), { ...manual('tiny'), spec: { ...manual('tiny').spec, capacity: { storage: '1Gi' } } }, claim('db', 'manual')]);
      expect(h.get('PersistentVolumeClaim', 'db')!.spec.volumeName).toBe('big'); // 5Gi both: names break the tie
      expect(pv(h, 'big')!.metadata.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
      expect(pv(h, 'big')!.status.phase).toBe('Bound');
      expect(pv(h, 'tiny')!.status.phase).toBe('Available');

      await h.client.delete('PersistentVolumeClaim', 'default', 'db', {});
      await h.settle();
      expect(pv(h, 'big')!.status.phase).toBe('Released');
      expect(h.client.of('delete', 'PersistentVolume')).toEqual([]);
    });

    it('binds a claim created after the volume, and an Immediate claim waits for one with FailedBinding', async () => {
      const h = await cluster([claim('late', '')]);
      expect(h.events.lines()).toContain('Normal FailedBinding no persistent volumes available for this claim and no storage class is set');
      h.client.put({ ...manual('v1'), spec: { ...manual('v1').spec, storageClassName: '' } });
      await h.settle();
      expect(h.get('PersistentVolumeClaim', 'late')!.status.phase).toBe('Bound');
    });
  });

  it('asks the API before releasing a volume whose claim its cache does not show yet', async () => {
    const bound = applyDefaults(makeObject('v1', 'PersistentVolume', 'v').with('spec', { ...manual('v').spec, claimRef: { namespace: 'default', name: 'late', uid: 'uid-late' } }).with('status', { phase: 'Bound' }).obj());
    const { ctx, client } = fixture([bound]);
    Object.assign(client, { getObject: async () => claim('late', 'manual') });
    await new PersistentVolumeController().reconcile('v', ctx);
    expect(client.calls).toEqual([]);
    Object.assign(client, { getObject: async () => undefined });
    await new PersistentVolumeController().reconcile('v', ctx);
    expect(client.ofVerb('updateStatus').map((c) => c.object.status.phase)).toEqual(['Released']);
  });
});
