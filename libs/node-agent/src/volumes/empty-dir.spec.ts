import type { KubeObject } from '@logbook/kube';
import { tmpfsSizeBytes } from './empty-dir';

describe('tmpfsSizeBytes (memory-backed emptyDir)', () => {
  const pod = (...limits: (string | undefined)[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: limits.map((memory, i) => ({ name: `c${i}`, ...(memory ? { resources: { limits: { memory } } } : {}) })) },
  });

  it('is the sizeLimit, capped by the sum of the containers memory limits', () => {
    expect(tmpfsSizeBytes(pod('64Mi', '64Mi'), '32Mi', '8Gi')).toBe(32 * 2 ** 20);
    expect(tmpfsSizeBytes(pod('64Mi', '64Mi'), '1Gi', '8Gi')).toBe(128 * 2 ** 20);
    expect(tmpfsSizeBytes(pod('64Mi'), undefined, '8Gi')).toBe(64 * 2 ** 20);
  });

  it("is the node's memory when a container has no limit", () => {
    expect(tmpfsSizeBytes(pod('64Mi', undefined), undefined, '8Gi')).toBe(8 * 2 ** 30);
  });
});
