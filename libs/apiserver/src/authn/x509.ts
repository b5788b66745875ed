import type { IncomingMessage } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { RequestAuthenticator, User } from './authenticator';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * The client certificate's subject as the user: CN = name, O = groups. The TLS server asked for a
 * certificate and checked it against the cluster CA without refusing the handshake (a caller with
 * a token and no certificate must still get in), so only an `authorized` socket counts here.
 */
export class X509Authenticator implements RequestAuthenticator {
  authenticate(req: IncomingMessage): User | undefined {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.subject) return undefined;
    return userOfCertificate(cert);
  }
}

/** kube ignores a certificate not meant for client authentication. */
export function userOfCertificate(cert: Pick<PeerCertificate, 'subject' | 'ext_key_usage'>): User | undefined {
  if (cert.ext_key_usage && !cert.ext_key_usage.includes(CLIENT_AUTH)) return undefined;
  const name = first(cert.subject.CN);
  if (!name) return undefined;
  const o = cert.subject.O as string | string[] | undefined;
  return { name, uid: '', groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
