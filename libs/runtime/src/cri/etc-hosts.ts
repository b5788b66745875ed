import type { PodSandboxSpec } from '../container-runtime.port';

/**
 * The /etc/hosts the kubelet gives every pod on the pod network: loopback names, the pod's own
 * IP under its hostname, then spec.hostAliases (pure). Without it containerd 1.6 copies the
 * node's /etc/hosts into the sandbox.
 */
export function etcHosts(spec: Pick<PodSandboxSpec, 'name' | 'hostname' | 'hostAliases'>, ip: string): string {
  const lines = [
    '# Kubernetes-managed hosts file (written by Logbook).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (ip) lines.push(`${ip}\t${spec.hostname ?? spec.name}`);
  if (spec.hostAliases?.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of spec.hostAliases) lines.push(`${a.ip}\t${a.hostnames.join('\t')}`);
  }
  return lines.join('\n') + '\n';
}

/** Where a pod's hosts file lives: beside its containers' log directories, and removed with them. */
export const ETC_HOSTS_FILE = 'etc-hosts';
