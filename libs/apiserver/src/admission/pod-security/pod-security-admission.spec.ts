import { ApiError, type KubeObject } from '@logbook/kube';
import { aNamespace, aPod, requestFor, stateWith } from '../plugin-fixtures';
import { AUDIT_VIOLATIONS, PodSecurityAdmission } from './pod-security-admission';
import { policyOf } from './policy';

const admission = new PodSecurityAdmission();
const labels = (mode: string, level: string, version?: string): Record<string, string> => ({
  [`pod-security.kubernetes.io/${mode}`]: level,
  ...(version ? { [`pod-security.kubernetes.io/${mode}-version`]: version } : {}),
});

const restrictedContainer = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...extra },
});

function refusal(pod: KubeObject, nsLabels: Record<string, string>): string {
  try {
    admission.validate(requestFor(pod), stateWith(aNamespace(pod.metadata.namespace!, nsLabels)));
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(403);
    return (error as ApiError).message;
  }
  throw new Error('the pod was admitted');
}

describe('PodSecurityAdmission', () => {
  describe('when the namespace enforces restricted', () => {
    const ns = labels('enforce', 'restricted');
    it('refuses a privileged pod with every violation, baseline checks first, in kube words', () => {
      const pod = aPod('p', 'ns', { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] });
      expect(refusal(pod, ns)).toBe(
        'pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), ' +
          'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
          'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
          'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
          'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      );
    });
    it('admits a pod that meets the standard, and names restricted volumes, plural containers and host ports', () => {
      const ok = aPod('ok', 'ns', { containers: [restrictedContainer('a')], volumes: [{ name: 'd', emptyDir: {} }] });
      expect(admission.validate(requestFor(ok), stateWith(aNamespace('ns', ns)))).toEqual({ warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' } });
      const bad = aPod('bad', 'ns', {
        hostNetwork: true,
        containers: [restrictedContainer('a', { ports: [] }), { ...restrictedContainer('b'), ports: [{ containerPort: 80, hostPort: 8080 }] }, { ...restrictedContainer('c'), ports: [{ containerPort: 81, hostPort: 81 }] }],
        volumes: [{ name: 'h', hostPath: { path: '/' } }],
      });
      expect(refusal(bad, ns)).toBe(
        'pods "bad" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), hostPort (containers "b", "c" use hostPorts 8080, 81), restricted volume types (volume "h" uses restricted volume type "hostPath")',
      );
    });
    it('takes the pod-level runAsNonRoot and seccomp for every container, and refuses explicit bad values', () => {
      const pod = aPod('p', 'ns', {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] }, runAsUser: 0 } }],
      });
      expect(refusal(pod, ns)).toBe(
        'pods "p" is forbidden: violates PodSecurity "restricted:latest": unrestricted capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add), runAsUser=0 (container "c" must not set runAsUser=0)',
      );
    });
  });

  describe('when the namespace enforces baseline', () => {
    it('allows what restricted forbids but not host paths, capabilities, sysctls or procMount', () => {
      const ns = labels('enforce', 'baseline', 'v1.30');
      expect(() => admission.validate(requestFor(aPod('p', 'ns', { containers: [{ name: 'c', image: 'x' }] })), stateWith(aNamespace('ns', ns)))).not.toThrow();
      const pod = aPod('p', 'ns', {
        securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }] },
        containers: [{ name: 'c', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN', 'CHOWN'] }, procMount: 'Unmasked' } }],
        volumes: [{ name: 'h', hostPath: { path: '/' } }],
      });
      expect(refusal(pod, ns)).toBe(
        'pods "p" is forbidden: violates PodSecurity "baseline:v1.30": non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), hostPath volumes (volume "h"), procMount (container "c" must not set securityContext.procMount to "Unmasked"), forbidden sysctls (kernel.msgmax)',
      );
    });
  });

  describe('when the namespace only warns and audits', () => {
    it('admits the pod with kube`s warning and audit annotation', () => {
      const state = stateWith(aNamespace('ns', { ...labels('warn', 'baseline'), ...labels('audit', 'restricted') }));
      const notes = admission.validate(requestFor(aPod('p', 'ns', { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] })), state);
      expect(notes?.warnings).toEqual(['would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)']);
      expect(notes?.auditAnnotations?.[AUDIT_VIOLATIONS]).toMatch(/^would violate PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
    });
    it('warns about a Deployment`s pod template but never refuses it, even under enforce', () => {
      const deployment: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'ns' },
        spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] } } },
      };
      const notes = admission.validate(requestFor(deployment), stateWith(aNamespace('ns', labels('enforce', 'baseline'))));
      expect(notes?.warnings).toEqual(['would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)']);
    });
  });

  describe('when the namespace has no labels or is privileged', () => {
    it('lets everything through', () => {
      const pod = aPod('p', 'ns', { hostPID: true, containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] });
      expect(admission.validate(requestFor(pod), stateWith(aNamespace('ns')))).toBeUndefined();
      expect(admission.validate(requestFor(pod), stateWith(aNamespace('ns', labels('enforce', 'privileged'))))).toBeUndefined();
    });
  });

  describe('namespace labels', () => {
    it('default warn to a stricter enforce level and reject bad values with 422', () => {
      expect(policyOf(labels('enforce', 'baseline', 'v1.25')).warn).toEqual({ level: 'baseline', minor: 25 });
      expect(() => admission.validate(requestFor(aNamespace('ns', labels('enforce', 'strict'))), stateWith())).toThrow(
        'Namespace "ns" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      );
      expect(() => admission.validate(requestFor(aNamespace('ns', labels('enforce', 'baseline', '1.2'))), stateWith())).toThrow(/must be "latest" or "v1.x"/);
    });
    it('warn, when enforce is raised, about the pods already there', () => {
      const priv = (name: string) => aPod(name, 'ns', { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] });
      const state = stateWith(aNamespace('ns'), priv('b'), priv('a'), aPod('h', 'ns', { hostIPC: true, containers: [{ name: 'c', image: 'x' }] }));
      const notes = admission.validate(requestFor(aNamespace('ns', labels('enforce', 'baseline')), { operation: 'UPDATE', oldObject: aNamespace('ns') }), state);
      expect(notes?.warnings).toEqual(['existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"', 'a (and 1 other pod): privileged', 'h: host namespaces']);
    });
  });

  it('does not re-evaluate pod updates that change no image (status, labels)', () => {
    const pod = aPod('p', 'ns', { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] });
    const relabelled = { ...pod, metadata: { ...pod.metadata, labels: { a: 'b' } } };
    expect(admission.validate(requestFor(relabelled, { operation: 'UPDATE', oldObject: pod }), stateWith(aNamespace('ns', labels('enforce', 'restricted'))))).toBeUndefined();
  });
});
