import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeObject, makePod } from '../../../../kube/src/testing/builders';
import { fixture } from '../testing/fixture';
import { type ClaimDecision, type VolumeDecision, decideClaim, decideVolume } from './binder';
import { volumeViewOf } from './persistent-volume-controller';

const NOW = '2026-01-01T00:00:00Z';
const claim = (name: string, extra: Record<string, unknown> = {}): KubeObject => {
  const b = makeObject('v1', 'PersistentVolumeClaim', name, 'default').with('metadata.uid', `uid-${name}`).with('spec', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' });
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const volume = (name: string, extra: Record<string, unknown> = {}): KubeObject => {
  const b = makeObject('v1', 'PersistentVolume', name).with('metadata.uid', `uid-${name}`).with('spec', { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/data/${name}` }, storageClassName: 'manual' }).with('status', { phase: 'Available' });
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const storageClass = (name: string, provisioner: string, mode: string) => applyDefaults(makeObject('storage.k8s.io/v1', 'StorageClass', name).with('provisioner', provisioner).with('volumeBindingMode', mode).obj());
const node = (name: string, opts: { dir?: string; ready?: boolean } = {}) =>
  makeObject('v1', 'Node', name)
    .labels({ 'kubernetes.io/hostname': name })
    .with('metadata.annotations', opts.dir ? { 'logbook.io/volumes-dir': opts.dir } : undefined)
    .with('status', { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] })
    .obj();
const podUsing = (claimName: string, nodeName?: string) =>
  makePod(`user-of-${claimName}`).with('spec.volumes', [{ name: 'data', persistentVolumeClaim: { claimName } }]).with('spec.nodeName', nodeName).obj();
const ref = (c: string, uid = `uid-${c}`) => ({ kind: 'PersistentVolumeClaim', namespace: 'default', name: c, uid });
const local = 'logbook.io/local-path';

const decide = (subject: KubeObject, objects: KubeObject[]): ClaimDecision | VolumeDecision => {
  const { cache } = fixture([subject, ...objects], NOW);
  return subject.kind === 'PersistentVolumeClaim' ? decideClaim(subject, volumeViewOf(cache)) : decideVolume(subject, volumeViewOf(cache));
};
const summary = (d: ClaimDecision | VolumeDecision): string => {
  switch (d.type) {
    case 'Bind':
      return `Bind ${d.volume.metadata.name}`;
    case 'Provision':
      return `Provision on ${d.node.metadata.name} under ${d.volumesDir}`;
    case 'Pending':
      return `Pending ${d.reason}: ${d.message}`;
    case 'Lost':
      return `Lost: ${d.message}`;
    case 'Phase':
      return `Phase ${d.phase}`;
    default:
      return d.type;
  }
};

describe('decideClaim', () => {
  it.each<[string, KubeObject, KubeObject[], string]>([
    ['an unbound claim takes the smallest volume that fits', claim('c'), [volume('big', { 'spec.capacity': { storage: '5Gi' } }), volume('fits'), volume('small', { 'spec.capacity': { storage: '100Mi' } })], 'Bind fits'],
    ['a volume pre-bound by claimRef wins', claim('c'), [volume('fits'), volume('mine', { 'spec.capacity': { storage: '5Gi' }, 'spec.claimRef': { namespace: 'default', name: 'c' } })], 'Bind mine'],
    ['a claim pre-bound by volumeName binds that volume', claim('c', { 'spec.volumeName': 'chosen' }), [volume('fits'), volume('chosen', { 'spec.capacity': { storage: '9Gi' } })], 'Bind chosen'],
    ['a claim pre-bound to a volume too small for it waits', claim('c', { 'spec.volumeName': 'tiny' }), [volume('tiny', { 'spec.capacity': { storage: '1Mi' } })], 'Pending VolumeMismatch: Cannot bind to requested volume "tiny": requested PV is too small'],
    ['no volume and no class', claim('c', { 'spec.storageClassName': '' }), [volume('fits')], 'Pending FailedBinding: no persistent volumes available for this claim and no storage class is set'],
    ['a class that does not exist', claim('c', { 'spec.storageClassName': 'gold' }), [], 'Pending ProvisioningFailed: storageclass.storage.k8s.io "gold" not found'],
    ['an external provisioner', claim('c', { 'spec.storageClassName': 'ebs' }), [storageClass('ebs', 'ebs.csi.aws.com', 'Immediate')], expect.stringMatching(/^Pending ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com'/) as unknown as string],
    ['WaitForFirstConsumer without a scheduled pod waits', claim('c', { 'spec.storageClassName': 'standard' }), [storageClass('standard', local, 'WaitForFirstConsumer'), node('n1', { dir: '/var/lib/logbook/volumes' }), podUsing('c')], 'Pending WaitForFirstConsumer: waiting for first consumer to be created before binding'],
    ['WaitForFirstConsumer provisions on the node of the first bound pod', claim('c', { 'spec.storageClassName': 'standard' }), [storageClass('standard', local, 'WaitForFirstConsumer'), node('n1', { dir: '/v1' }), node('n2', { dir: '/v2' }), podUsing('c', 'n2')], 'Provision on n2 under /v2'],
    ['WaitForFirstConsumer waits for the node to publish its volumes directory', claim('c', { 'spec.storageClassName': 'standard' }), [storageClass('standard', local, 'WaitForFirstConsumer'), node('n1'), podUsing('c', 'n1')], 'Pending Provisioning: waiting for node "n1" to publish its volumes directory (annotation logbook.io/volumes-dir)'],
    ['WaitForFirstConsumer binds a static volume on the pod\'s node rather than provisioning', claim('c', { 'spec.storageClassName': 'standard' }), [storageClass('standard', local, 'WaitForFirstConsumer'), node('n1', { dir: '/v1' }), podUsing('c', 'n1'), volume('on-n1', { 'spec.storageClassName': 'standard', 'spec.hostPath': undefined, 'spec.local': { path: '/mnt' }, 'spec.nodeAffinity': { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } })], 'Bind on-n1'],
    ['Immediate local-path provisions on a Ready node with a volumes directory', claim('c', { 'spec.storageClassName': 'fast' }), [storageClass('fast', local, 'Immediate'), node('down', { dir: '/d', ready: false }), node('bare'), node('up', { dir: '/u' })], 'Provision on up under /u'],
    ['Immediate local-path waits when no node can take it', claim('c', { 'spec.storageClassName': 'fast' }), [storageClass('fast', local, 'Immediate'), node('bare')], 'Pending Provisioning: waiting for a Ready node that publishes a volumes directory (annotation logbook.io/volumes-dir)'],
    ['a bound claim whose binding is complete needs nothing', claim('c', { 'spec.volumeName': 'v', 'metadata.annotations': { 'pv.kubernetes.io/bind-completed': 'yes' }, status: { phase: 'Bound', capacity: { storage: '1Gi' } } }), [volume('v', { 'spec.claimRef': ref('c'), status: { phase: 'Bound' } })], 'Nothing'],
    ['a bound claim whose volume is gone is Lost', claim('c', { 'spec.volumeName': 'v', status: { phase: 'Bound' } }), [], 'Lost: Bound claim has lost its PersistentVolume. Data on the volume is lost!'],
    ['a claim bound to a volume that another claim holds is Lost', claim('c', { 'spec.volumeName': 'v', status: { phase: 'Bound' } }), [volume('v', { 'spec.claimRef': ref('other') })], 'Lost: Two claims are bound to the same volume, this one is bound incorrectly'],
  ])('%s', (_what, subject, objects, expected) => {
    expect(summary(decide(subject, objects))).toEqual(expected);
  });
});

describe('decideVolume', () => {
  it.each<[string, KubeObject, KubeObject[], string]>([
    ['a new volume becomes Available', volume('v', { status: { phase: 'Pending' } }), [], 'Phase Available'],
    ['a volume bound to its claim is Bound', volume('v', { 'spec.claimRef': ref('c') }), [claim('c', { 'spec.volumeName': 'v' })], 'Phase Bound'],
    ['a Retain volume whose claim is gone is Released', volume('v', { 'spec.claimRef': ref('c'), status: { phase: 'Bound' } }), [], 'Phase Released'],
    ['a Delete volume whose claim is gone is deleted', volume('v', { 'spec.claimRef': ref('c'), 'spec.persistentVolumeReclaimPolicy': 'Delete', status: { phase: 'Bound' } }), [], 'Delete'],
    ['a claim re-created under the same name does not own the volume', volume('v', { 'spec.claimRef': ref('c', 'old-uid'), status: { phase: 'Bound' } }), [claim('c')], 'Phase Released'],
    ['a Recycle volume fails: Logbook does not recycle', volume('v', { 'spec.claimRef': ref('c'), 'spec.persistentVolumeReclaimPolicy': 'Recycle', status: { phase: 'Bound' } }), [], 'Phase Failed'],
    ['the controller unbinds a volume whose claim went elsewhere', volume('v', { 'spec.claimRef': ref('c'), 'metadata.annotations': { 'pv.kubernetes.io/bound-by-controller': 'yes' }, status: { phase: 'Bound' } }), [claim('c', { 'spec.volumeName': 'w' })], 'Unbind'],
    ['a volume whose claim is binding waits', volume('v', { 'spec.claimRef': ref('c') }), [claim('c')], 'Nothing'],
  ])('%s', (_what, subject, objects, expected) => {
    expect(summary(decide(subject, objects))).toBe(expected);
  });
});
