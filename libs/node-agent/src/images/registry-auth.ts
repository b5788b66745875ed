import type { KubeObject } from '@logbook/kube';
import type { RegistryAuth } from '@logbook/runtime';

/**
 * The registry host an image reference pulls from, as container runtimes read it: the first
 * path segment when it looks like a host (has a dot or a colon, or is `localhost`), else
 * Docker Hub.
 */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/']);

/** Strips scheme and path from a dockerconfig key: `https://host:5000/v2/` → `host:5000`. */
function keyHost(key: string): string {
  if (DOCKER_HUB.has(key)) return 'docker.io';
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/**
 * The credentials for `image` from a pod's imagePullSecrets (kubernetes.io/dockerconfigjson or
 * the legacy kubernetes.io/dockercfg), in the order the pod lists them, as the kubelet's
 * keyring does: the first secret with an entry for the image's registry wins.
 */
export function authFor(image: string, secrets: readonly KubeObject[]): RegistryAuth | undefined {
  const host = registryHost(image);
  for (const secret of secrets) {
    for (const [key, entry] of Object.entries(dockerConfigAuths(secret))) {
      // No serverAddress: containerd parses it as a URL, and the pull's own host is what matches.
      if (keyHost(key) === host) return entry;
    }
  }
  return undefined;
}

function dockerConfigAuths(secret: KubeObject): Record<string, RegistryAuth> {
  const data = (secret as any).data ?? {};
  const raw = data['.dockerconfigjson'] ?? data['.dockercfg'];
  if (typeof raw !== 'string') return {};
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    const auths = data['.dockerconfigjson'] ? parsed.auths ?? {} : parsed;
    const out: Record<string, RegistryAuth> = {};
    for (const [k, v] of Object.entries<any>(auths)) {
      const fromAuth = typeof v.auth === 'string' ? Buffer.from(v.auth, 'base64').toString('utf8') : undefined;
      const sep = fromAuth?.indexOf(':') ?? -1;
      out[k] = {
        username: v.username ?? (fromAuth && sep >= 0 ? fromAuth.slice(0, sep) : undefined),
        password: v.password ?? (fromAuth && sep >= 0 ? fromAuth.slice(sep + 1) : undefined),
      };
    }
    return out;
  } catch {
    return {};
  }
}
