import type { ContainerSpec } from '../container-runtime.port';
import { containerConfig, linuxResources, verifyNonRoot } from './container-config';
import type { CriImage } from './cri-types';
import { etcHosts } from './etc-hosts';
import { sandboxConfig } from './sandbox-config';

const sandbox = sandboxConfig({ uid: 'u1', namespace: 'ns', name: 'web' }, 0, { logDir: '/var/log/pods', nodeName: 'n1' });
const spec: ContainerSpec = { podUid: 'u1', name: 'app', image: 'busybox', command: ['sh'], args: ['-c', 'true'], env: { A: '1' } };
const image = (uid?: number, username = ''): CriImage => ({ id: 'sha256:x', repoTags: [], repoDigests: [], size: '1', uid: uid === undefined ? null : { value: String(uid) }, username });

describe('linuxResources (the kubelet CFS arithmetic)', () => {
  it.each([
    [{}, { cpuShares: '2' }],
    [{ requests: { cpu: '250m' } }, { cpuShares: '256' }],
    [{ requests: { cpu: '1m' } }, { cpuShares: '2' }],
    [{ limits: { cpu: '500m' } }, { cpuShares: '512', cpuPeriod: '100000', cpuQuota: '50000' }],
    [{ requests: { cpu: '100m' }, limits: { cpu: '2', memory: '32Mi' } }, { cpuShares: '102', cpuPeriod: '100000', cpuQuota: '200000', memoryLimitInBytes: String(32 * 1024 * 1024) }],
    [{ limits: { cpu: '1m' } }, { cpuShares: '2', cpuPeriod: '100000', cpuQuota: '1000' }],
  ])('%j → %j', (given, expected) => {
    expect(linuxResources(given)).toEqual(expected);
  });
});

describe('sandboxConfig', () => {
  it('names the log directory and labels like the kubelet, and shares network and IPC but not PID', () => {
    expect(sandbox).toMatchObject({
      metadata: { name: 'web', uid: 'u1', namespace: 'ns', attempt: 0 },
      hostname: 'web',
      logDirectory: '/var/log/pods/ns_web_u1',
      labels: { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'ns', 'io.logbook.node': 'n1' },
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    });
  });

  it('puts each pod in its own cgroup under the parent', () => {
    expect(sandboxConfig({ uid: 'u1', namespace: 'ns', name: 'web' }, 0, { logDir: '/l', nodeName: 'n', cgroupParent: '/logbook' }).linux?.cgroupParent).toBe('/logbook/podu1');
  });
});

describe('containerConfig', () => {
  it('keeps command and args apart, logs to <name>/<attempt>.log and records the attempt', () => {
    const c = containerConfig(spec, { attempt: 3, sandbox, nodeName: 'n1' });
    expect(c).toMatchObject({
      metadata: { name: 'app', attempt: 3 },
      command: ['sh'],
      args: ['-c', 'true'],
      envs: [{ key: 'A', value: '1' }],
      logPath: 'app/3.log',
      labels: { 'io.kubernetes.container.name': 'app', 'io.kubernetes.pod.uid': 'u1' },
      annotations: { 'io.kubernetes.container.restartCount': '3' },
    });
  });

  it('maps the security context; the pod groups and fsGroup join the container groups', () => {
    const podSandbox = sandboxConfig({ uid: 'u1', namespace: 'ns', name: 'web', securityContext: { fsGroup: 9, supplementalGroups: [8] } }, 0, { logDir: '/l', nodeName: 'n1' });
    const c = containerConfig(
      { ...spec, securityContext: { runAsUser: 5, runAsGroup: 7, supplementalGroups: [8], readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } },
      { attempt: 0, sandbox: podSandbox, nodeName: 'n1' },
    );
    expect(c.linux.securityContext).toMatchObject({
      runAsUser: { value: '5' },
      runAsGroup: { value: '7' },
      supplementalGroups: ['8', '9'],
      readonlyRootfs: true,
      noNewPrivs: true,
      privileged: false,
      capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] },
    });
  });

  it('binds the termination log and the pod hosts file unless a mount already takes that path', () => {
    const withLog = containerConfig(spec, { attempt: 0, sandbox, nodeName: 'n', terminationLog: '/l/app/0.termination-log', etcHosts: '/l/etc-hosts' });
    expect(withLog.mounts).toEqual([
      { containerPath: '/dev/termination-log', hostPath: '/l/app/0.termination-log', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
      { containerPath: '/etc/hosts', hostPath: '/l/etc-hosts', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
    ]);
    const taken = containerConfig({ ...spec, mounts: [{ containerPath: '/dev/termination-log', hostPath: '/h', propagation: 'rslave' }] }, { attempt: 0, sandbox, nodeName: 'n', terminationLog: '/t' });
    expect(taken.mounts).toEqual([{ containerPath: '/dev/termination-log', hostPath: '/h', readonly: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }]);
  });
});

describe('verifyNonRoot', () => {
  const nonRoot = (sc: ContainerSpec['securityContext']) => ({ ...spec, securityContext: sc });

  it('refuses an image that runs as root, and runAsUser 0', () => {
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true }), image(), 'web_ns(u1)')).toThrow('container has runAsNonRoot and image will run as root (pod: "web_ns(u1)", container: app)');
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true }), image(0), 'p')).toThrow(/image will run as root/);
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true, runAsUser: 0 }), image(1000), 'p')).toThrow(/runAsUser breaks non-root policy/);
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true }), image(undefined, 'nginx'), 'p')).toThrow(/non-numeric user \(nginx\)/);
  });

  it('lets a non-root user through', () => {
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true }), image(1000), 'p')).not.toThrow();
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true, runAsUser: 1 }), image(), 'p')).not.toThrow();
    expect(() => verifyNonRoot(nonRoot({ runAsNonRoot: true }), image(undefined, '1000'), 'p')).not.toThrow();
    expect(() => verifyNonRoot(spec, image(), 'p')).not.toThrow();
  });
});

describe('etcHosts', () => {
  it('names the pod after its IP and adds hostAliases', () => {
    const text = etcHosts({ name: 'web', hostname: 'web-0', hostAliases: [{ ip: '10.0.0.9', hostnames: ['db', 'db.local'] }] }, '10.244.1.5');
    expect(text).toContain('127.0.0.1\tlocalhost\n');
    expect(text).toContain('10.244.1.5\tweb-0\n');
    expect(text).toMatch(/# Entries added by HostAliases.\n10.0.0.9\tdb\tdb.local\n$/);
  });
});
