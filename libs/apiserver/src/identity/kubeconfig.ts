import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** A kubeconfig for one cluster, one user and one context, as kubectl reads it. */
export function writeKubeconfig(path: string, opts: { server: string; caCert: string; token: string; name?: string; namespace?: string }): void {
  const name = opts.name ?? 'logbook';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': Buffer.from(opts.caCert).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: opts.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
