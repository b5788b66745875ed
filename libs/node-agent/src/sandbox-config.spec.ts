import { podDns, sandboxSpec } from './sandbox-config';
import { ContainerConfigError, containerSpec, effectiveSecurity } from './container-config';

const NODE = { servers: ['192.0.2.53'], searches: ['example.internal'], options: ['ndots:1'] };

describe('sandboxSpec', () => {
  const pod = (spec: any, name = 'web-0') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: 'u1', labels: { app: 'web' } }, spec });

  it('names the host after the pod (or spec.hostname) and maps hostPorts', () => {
    const s = sandboxSpec(pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] }] }) as any, NODE, 30);
    expect(s).toMatchObject({ uid: 'u1', hostname: 'web-0', labels: { app: 'web' }, portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
    expect(sandboxSpec(pod({ hostname: 'db', containers: [] }) as any, NODE, 30).hostname).toBe('db');
  });

  it('takes the node resolver and appends dnsConfig; dnsPolicy None takes dnsConfig alone', () => {
    const config = { nameservers: ['192.0.2.54'], searches: ['svc.test'], options: [{ name: 'ndots', value: '5' }, { name: 'edns0' }] };
    expect(podDns('ClusterFirst', config, NODE)).toEqual({ servers: ['192.0.2.53', '192.0.2.54'], searches: ['example.internal', 'svc.test'], options: ['ndots:5', 'edns0'] });
    expect(podDns('None', { nameservers: ['192.0.2.9'] }, NODE)).toEqual({ servers: ['192.0.2.9'], searches: [], options: [] });
  });
});

describe('containerSpec', () => {
  const inputs = { podUid: 'u', env: { A: '1' }, mounts: [], allowPrivileged: false, nodeName: 'n1' };

  it('applies pod security defaults under the container fields', () => {
    expect(effectiveSecurity({ runAsUser: 1000, runAsNonRoot: true, supplementalGroups: [5] }, { runAsUser: 2000, readOnlyRootFilesystem: true })).toEqual({
      runAsUser: 2000,
      runAsNonRoot: true,
      supplementalGroups: [5],
      readOnlyRootFilesystem: true,
    });
  });

  it('refuses a privileged container unless the node allows it', () => {
    const pod = { metadata: {}, spec: {} };
    const c = { name: 'x', image: 'busybox', securityContext: { privileged: true } };
    expect(() => containerSpec(pod, c, inputs)).toThrow(ContainerConfigError);
    expect(containerSpec(pod, c, { ...inputs, allowPrivileged: true }).securityContext).toEqual({ privileged: true });
  });

  it('carries command, args, resources and stdio', () => {
    const c = { name: 'x', image: 'busybox', command: ['sh'], args: ['-c', 'true'], resources: { limits: { memory: '32Mi' }, requests: { cpu: 0.5 } }, stdin: true, tty: true };
    expect(containerSpec({ metadata: { labels: { a: 'b' } }, spec: {} }, c, { ...inputs, image: 'r/busybox@sha256:1' })).toMatchObject({
      image: 'r/busybox@sha256:1',
      command: ['sh'],
      args: ['-c', 'true'],
      limits: { memory: '32Mi' },
      requests: { cpu: '0.5' },
      stdin: true,
      tty: true,
      labels: { a: 'b' },
    });
  });
});
