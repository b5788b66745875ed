import type { KubeObject } from '@logbook/kube';
import { resourceFieldValue } from './resource-field';

const pod = (resources: object): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers: [{ name: 'app', resources }] } });
const node = { cpu: '4', memory: '8Gi' };

describe('resourceFieldValue', () => {
  it.each([
    [{ limits: { cpu: '250m' } }, 'limits.cpu', undefined, '1'],
    [{ limits: { cpu: '250m' } }, 'limits.cpu', '1m', '250'],
    [{ limits: { cpu: '1500m' } }, 'limits.cpu', undefined, '2'],
    [{}, 'limits.cpu', undefined, '4'],
    [{ limits: { memory: '64Mi' } }, 'limits.memory', '1Mi', '64'],
    [{ limits: { memory: '64Mi' } }, 'requests.memory', '1Mi', '64'],
    [{}, 'requests.memory', undefined, '0'],
    [{}, 'limits.memory', '1Gi', '8'],
    [{ limits: { memory: '100M' } }, 'limits.memory', undefined, '100000000'],
  ])('%j %s / %s = %s', (resources, resource, divisor, expected) => {
    expect(resourceFieldValue(pod(resources), { containerName: 'app', resource, ...(divisor ? { divisor } : {}) }, node)).toBe(expected);
  });

  it('names a missing container and an unsupported resource', () => {
    expect(() => resourceFieldValue(pod({}), { containerName: 'nope', resource: 'limits.cpu' }, node)).toThrow('container "nope" not found');
    expect(() => resourceFieldValue(pod({}), { containerName: 'app', resource: 'limits.gpu' }, node)).toThrow('unsupported container resource');
  });
});
