import { ApiError } from './api-error';
import { applyStrategicMergePatch, listStrategyAt } from './strategic-merge-patch';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } },
  spec: {
    replicas: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          {
            name: 'a',
            image: 'nginx:1.25',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [
              { name: 'X', value: '1' },
              { name: 'Y', value: '2' },
            ],
          },
          { name: 'b', image: 'busybox', args: ['sleep', '1'] },
        ],
      },
    },
  },
});

describe('applyStrategicMergePatch', () => {
  describe('bodies kubectl apply sends (KUBECTL.md §5)', () => {
    it('changes an image and keeps the container ports', () => {
      const live = deployment();
      live.spec.template.spec.containers = [live.spec.template.spec.containers[0]];
      live.spec.template.spec.containers[0].name = 'nginx';
      const patch = {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } },
        spec: {
          replicas: 3,
          template: {
            spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] },
          },
        },
      };
      const out = applyStrategicMergePatch(live, patch) as any;
      expect(out.spec.replicas).toBe(3);
      expect(out.metadata.annotations).toEqual({ a: '1', 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' });
      expect(out.spec.template.spec.containers).toEqual([
        { name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80, protocol: 'TCP' }], env: live.spec.template.spec.containers[0].env },
      ]);
    });

    it('removes env var X, container b and all labels', () => {
      const patch = {
        metadata: { labels: null },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'a' }],
              containers: [
                { '$setElementOrder/env': [{ name: 'Y' }], env: [{ name: 'Y', value: '3' }, { $patch: 'delete', name: 'X' }], name: 'a' },
                { $patch: 'delete', name: 'b' },
              ],
            },
          },
        },
      };
      const out = applyStrategicMergePatch(deployment(), patch) as any;
      expect(out.metadata).toEqual({ name: 'web', annotations: { a: '1' } });
      expect(out.spec.template.spec.containers).toEqual([
        { name: 'a', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'Y', value: '3' }] },
      ]);
    });
  });

  it('does not mutate its inputs', () => {
    const live = deployment();
    const patch = { spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } }, metadata: { labels: null } };
    const liveCopy = structuredClone(live);
    const patchCopy = structuredClone(patch);
    const out = applyStrategicMergePatch(live, patch) as any;
    out.spec.template.spec.containers[0].ports.push({ containerPort: 1 });
    expect(live).toEqual(liveCopy);
    expect(patch).toEqual(patchCopy);
  });

  const cases: Array<[string, object, object, object]> = [
    ['maps merge recursively and null deletes', { a: { b: 1, c: 2 }, d: 1 }, { a: { c: null, e: 3 }, d: null }, { a: { b: 1, e: 3 } }],
    ['a scalar replaces a map', { a: { b: 1 } }, { a: 5 }, { a: 5 }],
    ['a map replaces a scalar, dropping nulls inside', { a: 5 }, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
    ['$patch: replace inside a map replaces that map', { spec: { x: { a: 1, b: 2 } } }, { spec: { x: { $patch: 'replace', c: 3 } } }, { spec: { x: { c: 3 } } }],
    ['$patch: delete inside a map deletes it', { spec: { x: { a: 1 }, y: 1 } }, { spec: { x: { $patch: 'delete' } } }, { spec: { y: 1 } }],
    ['lists without a merge key are replaced', { spec: { tolerations: [{ key: 'a' }, { key: 'b' }] } }, { spec: { tolerations: [{ key: 'c' }] } }, { spec: { tolerations: [{ key: 'c' }] } }],
    ['args are replaced', { c: { args: ['a', 'b'] } }, { c: { args: ['c'] } }, { c: { args: ['c'] } }],
    [
      'new merge-key items are appended',
      { spec: { volumes: [{ name: 'a', emptyDir: {} }] } },
      { spec: { volumes: [{ name: 'b', configMap: { name: 'cm' } }] } },
      { spec: { volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'cm' } }] } },
    ],
    [
      'a list holding {$patch: replace} replaces the list',
      { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } },
      { spec: { containers: [{ $patch: 'replace' }, { name: 'c', image: 'z' }] } },
      { spec: { containers: [{ name: 'c', image: 'z' }] } },
    ],
    [
      '$setElementOrder reorders, unmentioned items last',
      { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } },
      { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] } },
      { spec: { containers: [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } },
    ],
    [
      'Service spec.ports merge by port',
      { spec: { ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 443, targetPort: 8443 }] } },
      { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      { spec: { ports: [{ port: 80, targetPort: 9090, name: 'http' }, { port: 443, targetPort: 8443 }] } },
    ],
    [
      'container ports merge by containerPort',
      { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 81 }] }] } },
      { spec: { containers: [{ name: 'a', ports: [{ containerPort: 81, name: 'x' }] }] } },
      { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 81, name: 'x' }] }] } },
    ],
    [
      'volumeMounts merge by mountPath',
      { c: { containers: [{ name: 'a', volumeMounts: [{ mountPath: '/a', name: 'v' }] }] } },
      { c: { containers: [{ name: 'a', volumeMounts: [{ mountPath: '/a', readOnly: true }] }] } },
      { c: { containers: [{ name: 'a', volumeMounts: [{ mountPath: '/a', name: 'v', readOnly: true }] }] } },
    ],
    [
      'conditions merge by type',
      { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'Available', status: 'True' }] } },
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Available', status: 'True' }] } },
    ],
    [
      'node addresses merge by type',
      { status: { addresses: [{ type: 'InternalIP', address: '1' }] } },
      { status: { addresses: [{ type: 'Hostname', address: 'n' }] } },
      { status: { addresses: [{ type: 'InternalIP', address: '1' }, { type: 'Hostname', address: 'n' }] } },
    ],
    [
      'ownerReferences merge by uid',
      { metadata: { ownerReferences: [{ uid: 'u1', name: 'a' }] } },
      { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
      { metadata: { ownerReferences: [{ uid: 'u1', name: 'a', controller: true }] } },
    ],
    [
      'finalizers are merged as a set',
      { metadata: { finalizers: ['a', 'b'] } },
      { metadata: { finalizers: ['b', 'c'] } },
      { metadata: { finalizers: ['a', 'b', 'c'] } },
    ],
    [
      '$deleteFromPrimitiveList removes values',
      { metadata: { finalizers: ['a', 'b', 'c'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
      { metadata: { finalizers: ['a', 'c'] } },
    ],
    [
      '$retainKeys drops the keys not listed (strategy switch to Recreate)',
      { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      { spec: { strategy: { type: 'Recreate' } } },
    ],
    [
      '$retainKeys inside a volume item',
      { spec: { volumes: [{ name: 'v', emptyDir: {} }] } },
      { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], name: 'v', configMap: { name: 'cm' } }] } },
      { spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } },
    ],
    [
      'a new merge-key item loses its directives',
      { spec: { containers: [] } },
      { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { $patch: 'delete', name: 'Z' }], image: null }] } },
      { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] } },
    ],
    [
      'Endpoints subsets ports (not a Service spec) are replaced',
      { subsets: [{ ports: [{ port: 1 }] }] },
      { subsets: [{ ports: [{ port: 2 }] }] },
      { subsets: [{ ports: [{ port: 2 }] }] },
    ],
  ];
  it.each(cases)('%s', (_name, original, patch, expected) => {
    expect(applyStrategicMergePatch(original, patch)).toEqual(expected);
  });

  it('rejects a merge-key list element without its key', () => {
    expect(() => applyStrategicMergePatch({}, { spec: { containers: [{ image: 'x' }] } })).toThrow(ApiError);
  });
});

describe('listStrategyAt', () => {
  it.each([
    [['spec', 'template', 'spec', 'containers', 'ports'], { mergeKey: 'containerPort' }],
    [['spec', 'initContainers', 'ports'], { mergeKey: 'containerPort' }],
    [['spec', 'ports'], { mergeKey: 'port' }],
    [['spec', 'template', 'spec', 'hostAliases'], { mergeKey: 'ip' }],
    [['spec', 'topologySpreadConstraints'], { mergeKey: 'topologyKey' }],
    [['spec', 'containers', 'volumeDevices'], { mergeKey: 'devicePath' }],
    [['spec', 'imagePullSecrets'], { mergeKey: 'name' }],
    [['spec', 'finalizers'], undefined],
    [['spec', 'tolerations'], undefined],
  ])('%j → %j', (path, expected) => {
    expect(listStrategyAt(path)).toEqual(expected);
  });
});
