import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { generate } from 'selfsigned';
import { certificateSubject, issueCertificate, signCertificateRequest, subjectAltNames } from './certificates';

async function makeCa(cn = 'test-ca'): Promise<{ cert: string; key: string }> {
  const ca = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

describe('certificates from the cluster CA', () => {
  let ca: { cert: string; key: string };
  beforeAll(async () => {
    ca = await makeCa();
  });

  it('issues a client certificate whose CN is the user and whose O values are the groups', async () => {
    const issued = await issueCertificate(ca.cert, ca.key, { commonName: 'system:node:n1', organizations: ['system:nodes', 'team-a'], usages: ['digital signature', 'client auth'], days: 10 });
    const cert = new X509Certificate(issued.cert);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(issued.key))).toBe(true);
    expect(certificateSubject(issued.cert)).toEqual({ commonName: 'system:node:n1', organizations: ['system:nodes', 'team-a'] });
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeLessThanOrEqual(10 * 24 * 3600 * 1000);
  });

  it('puts DNS and IP names in a server certificate', async () => {
    const issued = await issueCertificate(ca.cert, ca.key, { commonName: 'srv', usages: ['server auth'], dnsNames: ['kubernetes.default.svc'], ips: ['127.0.0.1'] });
    expect(subjectAltNames(issued.cert)).toEqual({ dns: ['kubernetes.default.svc'], ips: ['127.0.0.1'] });
  });

  it('signs a PKCS#10 request with its subject and public key', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'O=system:nodes, CN=system:node:joined', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const pem = await signCertificateRequest(ca.cert, ca.key, csr.toString('pem'), { usages: ['digital signature', 'client auth'], days: 1 });
    expect(certificateSubject(pem)).toEqual({ commonName: 'system:node:joined', organizations: ['system:nodes'] });
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
    expect(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).equals(spki)).toBe(true);
  });

  it('refuses a request that is not a CSR', async () => {
    await expect(signCertificateRequest(ca.cert, ca.key, 'garbage', { usages: ['client auth'] })).rejects.toThrow(/not a PEM CERTIFICATE REQUEST/);
  });

  it('a certificate of another CA does not verify against this one', async () => {
    const other = await makeCa('other');
    const issued = await issueCertificate(other.cert, other.key, { commonName: 'mallory', usages: ['client auth'] });
    expect(new X509Certificate(issued.cert).verify(new X509Certificate(ca.cert).publicKey)).toBe(false);
  });
});
