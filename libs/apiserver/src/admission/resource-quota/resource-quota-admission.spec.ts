import { type KubeObject, namespaceUsage, quantity } from '@logbook/kube';
import { aPod, requestFor, stateWith } from '../plugin-fixtures';
import { ResourceQuotaAdmission } from './resource-quota-admission';

const { format, parse } = quantity;

const quota = (name: string, hard: Record<string, string>, scopes?: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: 'ns' },
  spec: { hard, ...(scopes ? { scopes } : {}) },
});
const pod = (name: string, resources?: Record<string, unknown>, phase = 'Running'): KubeObject => ({
  ...aPod(name, 'ns', { containers: [{ name: 'c', image: 'x', ...(resources ? { resources } : {}) }] }),
  status: { phase },
});

describe('ResourceQuotaAdmission', () => {
  describe('when the namespace is at its pod quota', () => {
    const state = stateWith(quota('q1', { pods: '2' }), pod('a'), pod('b'), pod('done', undefined, 'Succeeded'));
    it('refuses one more pod with kube`s message (finished pods do not count)', () => {
      expect(() => new ResourceQuotaAdmission().validate(requestFor(pod('p')), state)).toThrow('pods "p" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2');
    });
    it('lets other kinds through', () => {
      const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } };
      expect(() => new ResourceQuotaAdmission().validate(requestFor(cm), state)).not.toThrow();
    });
  });

  describe('when creates race', () => {
    it('counts the admitted creates the projection has not applied yet, until they land or expire', () => {
      let now = 0;
      const admission = new ResourceQuotaAdmission(1000, () => now);
      const state = stateWith(quota('q1', { pods: '2', 'count/configmaps': '5' }), pod('a'));
      admission.validate(requestFor(pod('b')), state);
      expect(() => admission.validate(requestFor(pod('c')), state)).toThrow('exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2');
      // A dry run neither reserves nor is refused by its own earlier dry runs.
      now = 1001;
      admission.validate(requestFor(pod('c'), { dryRun: true }), state);
      expect(() => admission.validate(requestFor(pod('c')), state)).not.toThrow();
    });
  });

  describe('when the quota limits compute resources', () => {
    const state = stateWith(quota('compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' }), pod('a', { requests: { cpu: '600m' }, limits: { cpu: '1', memory: '512Mi' } }));
    it('sums requests and limits and refuses what does not fit', () => {
      expect(() => new ResourceQuotaAdmission().validate(requestFor(pod('p', { requests: { cpu: '500m' }, limits: { memory: '256Mi' } })), state)).toThrow(
        'pods "p" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1',
      );
      expect(namespaceUsage((kind, ns) => state.list(kind, { namespace: ns }), 'ns', quota('compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' }))).toEqual(
        new Map([
          ['requests.cpu', parse('600m')],
          ['limits.memory', parse('512Mi')],
        ]),
      );
    });
    it('makes every container state what the quota limits', () => {
      const p = { ...aPod('p', 'ns', { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x', resources: { requests: { cpu: '1m' } } }] }) };
      expect(() => new ResourceQuotaAdmission().validate(requestFor(p), state)).toThrow('pods "p" is forbidden: failed quota: compute: must specify limits.memory for: a,b; requests.cpu for: a');
    });
  });

  it('counts only the pods in a scoped quota`s scopes', () => {
    const state = stateWith(quota('be', { pods: '1' }, ['BestEffort']), pod('a'), pod('big', { requests: { cpu: '1' } }));
    expect(() => new ResourceQuotaAdmission().validate(requestFor(pod('p', { requests: { cpu: '1' } })), state)).not.toThrow();
    expect(() => new ResourceQuotaAdmission().validate(requestFor(pod('p')), state)).toThrow('exceeded quota: be');
  });

  it('charges an update what it adds: a Service becoming a NodePort, a claim growing', () => {
    const svc = (type: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { type, ports: [{ port: 80 }] } });
    const state = stateWith(quota('q1', { services: '5', 'services.nodeports': '0' }), svc('ClusterIP'));
    expect(() => new ResourceQuotaAdmission().validate(requestFor(svc('NodePort'), { operation: 'UPDATE', oldObject: svc('ClusterIP') }), state)).toThrow(
      'services "s" is forbidden: exceeded quota: q1, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0',
    );
    const claim = (storage: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns' }, spec: { resources: { requests: { storage } } } });
    const claims = stateWith(quota('q1', { 'requests.storage': '10Gi' }), claim('8Gi'));
    expect(() => new ResourceQuotaAdmission().validate(requestFor(claim('9Gi'), { operation: 'UPDATE', oldObject: claim('8Gi') }), claims)).not.toThrow();
    expect(() => new ResourceQuotaAdmission().validate(requestFor(claim('12Gi'), { operation: 'UPDATE', oldObject: claim('8Gi') }), claims)).toThrow(
      'exceeded quota: q1, requested: requests.storage=4Gi, used: requests.storage=8Gi, limited: requests.storage=10Gi',
    );
  });

  it('prints quantities as kube does', () => {
    expect(['1024Mi', '0.5', '1500m', '2000', '1536Mi', '0'].map((q) => format(parse(q)!))).toEqual(['1Gi', '500m', '1500m', '2k', '1536Mi', '0']);
  });
});
