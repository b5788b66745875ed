import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir } from '@logbook/testing';
import { issueCertificate, subjectAltNames } from './certificates';
import { IN_CLUSTER_API_NAMES, ensurePki } from './pki';

describe('ensurePki', () => {
  it('names the in-cluster API names on the server certificate, and renews an older one from the same CA', async () => {
    const dir = makeTmpDir('logbook-pki-');
    try {
      const first = await ensurePki(dir.path, ['127.0.0.1', 'localhost']);
      expect(subjectAltNames(first.cert).dns).toEqual(expect.arrayContaining(['localhost', ...IN_CLUSTER_API_NAMES]));
      // A data directory from before the in-cluster names: a server certificate for localhost only.
      const caKey = readFileSync(join(dir.path, 'pki', 'ca.key'), 'utf8');
      const old = await issueCertificate(first.caCert, caKey, { commonName: 'logbook-apiserver', usages: ['server auth'], dnsNames: ['localhost'], ips: ['127.0.0.1'] });
      writeFileSync(join(dir.path, 'pki', 'apiserver.crt'), old.cert);
      writeFileSync(join(dir.path, 'pki', 'apiserver.key'), old.key);
      const again = await ensurePki(dir.path, ['127.0.0.1', 'localhost']);
      expect(again.caCert).toBe(first.caCert);
      expect(subjectAltNames(again.cert).dns).toEqual(expect.arrayContaining(IN_CLUSTER_API_NAMES));
      expect(again.cert).not.toBe(old.cert);
      // Kept as it is once it has them.
      expect((await ensurePki(dir.path, ['127.0.0.1', 'localhost'])).cert).toBe(again.cert);
    } finally {
      dir.remove();
    }
  });
});
