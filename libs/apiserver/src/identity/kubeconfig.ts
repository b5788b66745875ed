import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * The admin kubeconfig, as kubectl reads it: one cluster and the admin's token as the current
 * context; with `clientCertificate`, also the admin's client certificate (CN=admin,
 * O=system:masters) as the context `<name>-cert`. The token stays first and current because
 * scripts copy the file and swap the token to act as another user (a certificate beside it
 * would win: x509 is asked first).
 */
export function writeKubeconfig(
  path: string,
  opts: { server: string; caCert: string; token: string; name?: string; namespace?: string; clientCertificate?: { cert: string; key: string } },
): void {
  const name = opts.name ?? 'logbook';
  const namespace = opts.namespace ?? 'default';
  const cert = opts.clientCertificate;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caCert) } }],
    users: [{ name: `${name}-admin`, user: { token: opts.token } }, ...(cert ? [{ name: `${name}-admin-cert`, user: certificateUser(cert) }] : [])],
    contexts: [
      { name, context: { cluster: name, user: `${name}-admin`, namespace } },
      ...(cert ? [{ name: `${name}-cert`, context: { cluster: name, user: `${name}-admin-cert`, namespace } }] : []),
    ],
    'current-context': name,
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** A kubeconfig whose one user is a client certificate (a component's, a user's made with `issueClientCertificate`). */
export function writeCertificateKubeconfig(path: string, o: { server: string; caCert: string; userName: string; cert: string; key: string; namespace?: string }): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'logbook', cluster: { server: o.server, 'certificate-authority-data': b64(o.caCert) } }],
    users: [{ name: o.userName, user: certificateUser(o) }],
    contexts: [{ name: 'logbook', context: { cluster: 'logbook', user: o.userName, namespace: o.namespace ?? 'default' } }],
    'current-context': 'logbook',
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

const certificateUser = (c: { cert: string; key: string }) => ({ 'client-certificate-data': b64(c.cert), 'client-key-data': b64(c.key) });
const b64 = (s: string) => Buffer.from(s).toString('base64');
