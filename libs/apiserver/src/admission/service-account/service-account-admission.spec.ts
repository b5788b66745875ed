import type { KubeObject } from '@logbook/kube';
import { aPod, requestFor, stateWith } from '../plugin-fixtures';
import { ServiceAccountAdmission, tokenVolume } from './service-account-admission';

const admission = new ServiceAccountAdmission(() => 'x7k2q');
const account = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'ns' }, ...extra });
const mount = { name: 'kube-api-access-x7k2q', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

describe('ServiceAccountAdmission', () => {
  describe('when the pod names no service account', () => {
    it('runs it as default and mounts the token volume in every container', () => {
      const pod = aPod('p', 'ns', { initContainers: [{ name: 'i', image: 'x' }], containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'd', mountPath: '/d' }] }] });
      const out = admission.admit(requestFor(pod), stateWith(account('default')))!;
      expect(out.spec.serviceAccountName).toBe('default');
      expect(out.spec.volumes).toEqual([tokenVolume('kube-api-access-x7k2q')]);
      expect(out.spec.volumes[0].projected.sources[0]).toEqual({ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
      expect(out.spec.initContainers[0].volumeMounts).toEqual([mount]);
      expect(out.spec.containers[0].volumeMounts).toEqual([{ name: 'd', mountPath: '/d' }, mount]);
      expect(pod.spec.volumes).toBeUndefined();
    });
    it('tolerates a default service account the controller has not created yet', () => {
      expect(admission.admit(requestFor(aPod('p', 'ns', { containers: [{ name: 'c', image: 'x' }] })), stateWith())!.spec.serviceAccountName).toBe('default');
    });
  });

  it('refuses a pod whose service account does not exist, in kube`s words', () => {
    const pod = aPod('p', 'ns', { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'x' }] });
    expect(() => admission.admit(requestFor(pod), stateWith(account('default')))).toThrow('pods "p" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found');
  });

  it('mounts nothing when the pod or its service account opts out (the pod wins)', () => {
    const containers = [{ name: 'c', image: 'x' }];
    const optedOut = admission.admit(requestFor(aPod('p', 'ns', { serviceAccountName: 'robot', containers })), stateWith(account('robot', { automountServiceAccountToken: false })))!;
    expect(optedOut.spec.volumes).toBeUndefined();
    const podSays = admission.admit(requestFor(aPod('p', 'ns', { automountServiceAccountToken: true, serviceAccountName: 'robot', containers })), stateWith(account('robot', { automountServiceAccountToken: false })))!;
    expect(podSays.spec.volumes).toHaveLength(1);
    expect(admission.admit(requestFor(aPod('p', 'ns', { automountServiceAccountToken: false, containers })), stateWith(account('default')))!.spec.volumes).toBeUndefined();
  });

  it('keeps a container`s own mount at the service account path, and leaves updates alone', () => {
    const pod = aPod('p', 'ns', { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] });
    expect(admission.admit(requestFor(pod), stateWith(account('default')))!.spec.containers[0].volumeMounts).toEqual([{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    expect(admission.admit(requestFor(pod, { operation: 'UPDATE', oldObject: pod }), stateWith())).toBeUndefined();
  });

  it('draws the volume suffix from kube`s alphabet', () => {
    const out = new ServiceAccountAdmission().admit(requestFor(aPod('p', 'ns', { containers: [{ name: 'c', image: 'x' }] })), stateWith(account('default')))!;
    expect(out.spec.volumes[0].name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
