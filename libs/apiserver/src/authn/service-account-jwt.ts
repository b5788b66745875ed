import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** kube-apiserver's default `--service-account-issuer` and API audience in a cluster named cluster.local. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The claims of a bound service-account token, as kube's TokenRequest issues them. */
export interface ServiceAccountClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly jti?: string;
  readonly 'kubernetes.io': {
    readonly namespace: string;
    readonly serviceaccount: { readonly name: string; readonly uid: string };
    readonly pod?: { readonly name: string; readonly uid: string };
    readonly secret?: { readonly name: string; readonly uid: string };
    readonly node?: { readonly name: string; readonly uid: string };
  };
}

/** The key pair tokens are signed with (ES256, `<dataDir>/pki/sa.key` and `sa.pub`). */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The JWT header's `kid`: kube's — the unpadded base64url SHA-256 of the public key's DER. */
  readonly keyId: string;
}

/** Made on first start and kept, so tokens issued before a restart still verify. */
export function ensureServiceAccountKey(dataDir: string): SigningKey {
  const dir = join(dataDir, 'pki');
  const keyFile = join(dir, 'sa.key');
  const pubFile = join(dir, 'sa.pub');
  if (!existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return signingKeyOf(readFileSync(keyFile, 'utf8'));
}

export function signingKeyOf(privatePem: string): SigningKey {
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(privateKey);
  const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  return { privateKey, publicKey, keyId };
}

/** A compact JWS (ES256) of the claims. */
export function signJwt(claims: object, key: SigningKey): string {
  const header = b64(JSON.stringify({ alg: 'ES256', kid: key.keyId }));
  const payload = b64(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

export type JwtCheck = { ok: true; claims: ServiceAccountClaims } | { ok: false; reason: string };

/**
 * Checks what the token itself proves: its form, the signature, issuer, audience and lifetime.
 * Whether the service account and the bound object still exist is the caller's to check.
 */
export function verifyJwt(token: string, key: SigningKey, o: { issuer: string; audiences: readonly string[]; now: Date }): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  let header: any;
  let claims: any;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not a JWT' };
  }
  if (header?.alg !== 'ES256') return { ok: false, reason: `unsupported signing algorithm "${header?.alg}"` };
  const signed = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!signed) return { ok: false, reason: 'invalid signature' };
  if (claims?.iss !== o.issuer) return { ok: false, reason: 'issuer mismatch' };
  const aud: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => o.audiences.includes(String(a)))) return { ok: false, reason: 'token audiences do not match the API server\'s' };
  const now = Math.floor(o.now.getTime() / 1000);
  // kube's validator allows a minute of clock skew on both ends.
  if (typeof claims.exp !== 'number' || now > claims.exp + 60) return { ok: false, reason: 'token has expired' };
  if (typeof claims.nbf === 'number' && now < claims.nbf - 60) return { ok: false, reason: 'token is not valid yet' };
  const k8s = claims['kubernetes.io'];
  if (!k8s?.namespace || !k8s.serviceaccount?.name || !k8s.serviceaccount?.uid) return { ok: false, reason: 'token has no kubernetes.io service account claims' };
  if (claims.sub !== `system:serviceaccount:${k8s.namespace}:${k8s.serviceaccount.name}`) return { ok: false, reason: 'subject does not name the service account' };
  return { ok: true, claims: claims as ServiceAccountClaims };
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');
