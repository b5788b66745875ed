import { applyDefaults, type KubeObject } from '@logbook/kube';
import { aPod, requestFor, stateWith } from '../plugin-fixtures';
import { LIMIT_RANGER_ANNOTATION, LimitRanger } from './limit-ranger';

const ranger = new LimitRanger();
const range = (limits: unknown[]): KubeObject => applyDefaults({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } });
const container = (name: string, resources?: Record<string, unknown>) => ({ name, image: 'x', ...(resources ? { resources } : {}) });

function admitted(pod: KubeObject, ...ranges: KubeObject[]): KubeObject {
  const state = stateWith(...ranges);
  const out = ranger.admit(requestFor(pod), state) ?? pod;
  ranger.validate(requestFor(out), state);
  return out;
}

describe('LimitRanger', () => {
  describe('when the namespace has a Container range with defaults', () => {
    const lr = range([{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' } }]);
    it('fills missing limits and requests and says so in an annotation', () => {
      const pod = admitted(aPod('p', 'ns', { containers: [container('a'), container('b', { limits: { cpu: '1' } })], initContainers: [container('i')] }), lr);
      expect(pod.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
      // A request missing beside a given limit is the limit (kube's pod defaulting), not the range's defaultRequest.
      expect(pod.spec.containers[1].resources).toEqual({ limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '1', memory: '128Mi' } });
      expect(pod.spec.initContainers[0].resources.limits).toEqual({ cpu: '500m', memory: '128Mi' });
      expect(pod.metadata.annotations?.[LIMIT_RANGER_ANNOTATION]).toBe(
        'LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; memory limit for container b; cpu, memory request for init container i; cpu, memory limit for init container i',
      );
    });
    it('defaults the range itself from max and min', () => {
      expect(range([{ type: 'Container', max: { cpu: '2' }, min: { memory: '1Mi' } }]).spec.limits[0]).toEqual({ type: 'Container', max: { cpu: '2' }, min: { memory: '1Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '1Mi' } });
    });
  });

  describe('when the range has bounds', () => {
    it('refuses a container over max with kube`s message', () => {
      const lr = range([{ type: 'Container', max: { cpu: '500m' } }]);
      expect(() => admitted(aPod('p', 'ns', { containers: [container('c', { limits: { cpu: '1' } })] }), lr)).toThrow('pods "p" is forbidden: maximum cpu usage per Container is 500m, but limit is 1');
    });
    it('lists several violations in brackets, and checks min, ratio and the Pod total', () => {
      const lr = range([
        { type: 'Container', min: { memory: '64Mi' }, maxLimitRequestRatio: { cpu: '2' } },
        { type: 'Pod', max: { memory: '1Gi' } },
      ]);
      const pod = aPod('p', 'ns', {
        containers: [container('a', { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '1', memory: '768Mi' } }), container('b', { requests: { cpu: '1', memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } })],
      });
      expect(() => ranger.validate(requestFor(pod), stateWith(lr))).toThrow(
        'pods "p" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000, maximum memory usage per Pod is 1Gi, but limit is 1280Mi]',
      );
    });
    it('checks claims against PersistentVolumeClaim ranges', () => {
      const lr = range([{ type: 'PersistentVolumeClaim', max: { storage: '2Gi' } }]);
      const claim: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns' }, spec: { resources: { requests: { storage: '5Gi' } } } };
      expect(() => ranger.validate(requestFor(claim), stateWith(lr))).toThrow('persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
    });
  });

  it('leaves pods alone in a namespace without ranges, and pod updates everywhere', () => {
    const pod = aPod('p', 'ns', { containers: [container('c')] });
    expect(ranger.admit(requestFor(pod), stateWith())).toBeUndefined();
    const lr = range([{ type: 'Container', max: { cpu: '1m' } }]);
    expect(ranger.admit(requestFor(pod, { operation: 'UPDATE', oldObject: pod }), stateWith(lr))).toBeUndefined();
    expect(() => ranger.validate(requestFor(pod, { operation: 'UPDATE', oldObject: pod }), stateWith(lr))).not.toThrow();
  });
});
