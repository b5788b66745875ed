import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { parseCertificateRequest } from './certificates';
import { validateObject } from './validation';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function csrPem(name: string, dnsNames: string[] = []): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const extensions = dnsNames.length ? [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value })))] : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys: keys as any, signingAlgorithm: ALG, extensions }, webcrypto as any);
  return csr.toString('pem');
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

function csrObject(spec: Record<string, unknown>) {
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'node-csr-1' }, spec };
}

describe('certificate signing requests', () => {
  it('reads the subject and the alternative names of a request', async () => {
    const parsed = parseCertificateRequest(b64(await csrPem('CN=system:node:n1, O=system:nodes', ['n1.example'])));
    expect(parsed.commonName).toBe('system:node:n1');
    expect(parsed.organizations).toEqual(['system:nodes']);
    expect(parsed.dnsNames).toEqual(['n1.example']);
  });

  it('refuses a PEM block of another type with kube\'s message', () => {
    expect(() => parseCertificateRequest(b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toThrow('PEM block type must be CERTIFICATE REQUEST');
  });

  describe('validation', () => {
    it('accepts a request with a signer and usages', async () => {
      const obj = csrObject({ request: b64(await csrPem('CN=system:node:n1, O=system:nodes')), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] });
      expect(validateObject(obj)).toEqual([]);
    });

    it('gives one cause per invalid field', () => {
      const causes = validateObject(csrObject({ request: b64('not pem'), signerName: 'nodomain', usages: ['client auth', 'client auth', 'flying'], expirationSeconds: 60 }));
      expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST$/),
          "spec.signerName: Invalid value: \"nodomain\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
          'spec.usages[1]: Duplicate value: "client auth"',
          expect.stringMatching(/^spec\.usages\[2\]: Unsupported value: "flying": supported values: "signing"/),
          'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
        ]),
      );
      expect(causes).toHaveLength(5);
    });

    it('requires the signer and the usages', async () => {
      const causes = validateObject(csrObject({ request: b64(await csrPem('CN=u')) }));
      expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual(['spec.signerName: Required value', 'spec.usages: Required value: usages must be provided']);
    });

    it('refuses Approved and Denied together', async () => {
      const obj = { ...csrObject({ request: b64(await csrPem('CN=u')), signerName: 'example.com/s', usages: ['client auth'] }), status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } };
      expect(validateObject(obj).map((c) => c.field)).toEqual(['status.conditions']);
    });
  });
});
