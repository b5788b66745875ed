import type { KubeObject } from '../object';
import { makeDeployment, makeJob, makeObject, makePod, makeReplicaSet } from '../testing/builders';
import { validateObject } from './validate-object';

type Expect = [field: string, reason: string, message?: string | RegExp];

const fieldsOf = (obj: KubeObject) => validateObject(obj).map((c) => [c.field, c.reason]);

describe('validateObject', () => {
  describe('valid objects', () => {
    it.each<[string, KubeObject]>([
      ['pod', makePod().obj()],
      ['deployment', makeDeployment().replicas(3).obj()],
      ['replicaset', makeReplicaSet().obj()],
      ['job', makeJob().obj()],
      ['job without selector', makeJob().with('spec.selector', undefined).obj()],
      ['namespace', makeObject('v1', 'Namespace', 'team-a').obj()],
      ['node', makeObject('v1', 'Node', 'node-1.example.com').obj()],
      ['service', makeObject('v1', 'Service', 'web', 'default').with('spec', { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] }).obj()],
      ['headless service without ports', makeObject('v1', 'Service', 'db', 'default').with('spec', { clusterIP: 'None' }).obj()],
      ['configmap', makeObject('v1', 'ConfigMap', 'cm', 'default').with('data', { 'a.b_c-D': 'x' }).obj()],
      ['secret', makeObject('v1', 'Secret', 's', 'default').with('data', { pw: 'czNjcmV0' }).with('type', 'Opaque').obj()],
      ['endpoints', makeObject('v1', 'Endpoints', 'web', 'default').with('subsets', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]).obj()],
      ['event', makeObject('v1', 'Event', 'web.1', 'default').with('involvedObject', { kind: 'Pod', namespace: 'default', name: 'p' }).obj()],
      ['generateName instead of name', makePod().name(undefined).with('metadata.generateName', 'p-').obj()],
      ['labels with prefix and empty value', makePod().labels({ 'app.kubernetes.io/name': 'web', empty: '' }).obj()],
      ['unknown kind', makeObject('v1', 'Widget', 'BAD NAME').obj()],
      ['resources', makePod().with('spec.containers', [{ name: 'c', image: 'x', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 1 } } }]).obj()],
    ])('%s has no causes', (_name, obj) => {
      expect(validateObject(obj)).toEqual([]);
    });
  });

  describe('invalid objects', () => {
    it.each<[string, KubeObject, Expect[]]>([
      ['uppercase deployment name', makeDeployment('Web').obj(), [['metadata.name', 'FieldValueInvalid', /^Invalid value: "Web": a lowercase RFC 1123 subdomain/]]],
      ['missing name', makePod().name(undefined).obj(), [['metadata.name', 'FieldValueRequired', 'Required value: name or generateName is required']]],
      ['too long name', makePod('a'.repeat(254)).obj(), [['metadata.name', 'FieldValueInvalid', /must be no more than 253 characters/]]],
      ['namespace name with a dot', makeObject('v1', 'Namespace', 'a.b').obj(), [['metadata.name', 'FieldValueInvalid', /RFC 1123 label/]]],
      ['service name starting with a digit', makeObject('v1', 'Service', '1web', 'default').with('spec.ports', [{ port: 80 }]).obj(), [['metadata.name', 'FieldValueInvalid', /DNS-1035/]]],
      ['bad label key', makePod().labels({ 'bad key': 'x' }).obj(), [['metadata.labels', 'FieldValueInvalid', /^Invalid value: "bad key": name part must consist/]]],
      ['bad label value', makePod().labels({ a: '-x' }).obj(), [['metadata.labels', 'FieldValueInvalid', /^Invalid value: "-x": a valid label/]]],
      ['label value too long', makePod().labels({ a: 'x'.repeat(64) }).obj(), [['metadata.labels', 'FieldValueInvalid', /no more than 63/]]],
      ['annotations over 256 KiB', makePod().with('metadata.annotations', { big: 'x'.repeat(262145) }).obj(), [['metadata.annotations', 'FieldValueTooLong', 'Too long: must have at most 262144 bytes']]],
      ['missing image in a deployment', makeDeployment().image('').obj(), [['spec.template.spec.containers[0].image', 'FieldValueRequired', 'Required value']]],
      ['image with whitespace', makePod().image(' nginx').obj(), [['spec.containers[0].image', 'FieldValueInvalid', 'Invalid value: " nginx": must not have leading or trailing whitespace']]],
      ['no containers', makePod().containers().obj(), [['spec.containers', 'FieldValueRequired', 'Required value']]],
      ['no spec at all', makeObject('v1', 'Pod', 'p', 'default').obj(), [['spec.containers', 'FieldValueRequired']]],
      ['container without name', makePod().containers({ image: 'x' }).obj(), [['spec.containers[0].name', 'FieldValueRequired']]],
      ['container name with underscore', makePod().containers({ name: 'a_b', image: 'x' }).obj(), [['spec.containers[0].name', 'FieldValueInvalid']]],
      ['duplicate container names', makePod().containers({ name: 'a', image: 'x' }, { name: 'a', image: 'y' }).obj(), [['spec.containers[1].name', 'FieldValueDuplicate', 'Duplicate value: "a"']]],
      [
        'bad container ports',
        makePod().containers({ name: 'a', image: 'x', ports: [{ containerPort: 70000 }, { containerPort: 80, protocol: 'HTTP' }, {}] }).obj(),
        [
          ['spec.containers[0].ports[0].containerPort', 'FieldValueInvalid', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
          ['spec.containers[0].ports[1].protocol', 'FieldValueNotSupported', 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
          ['spec.containers[0].ports[2].containerPort', 'FieldValueRequired'],
        ],
      ],
      ['bad quantity', makePod().containers({ name: 'a', image: 'x', resources: { limits: { cpu: 'lots' } } }).obj(), [['spec.containers[0].resources.limits[cpu]', 'FieldValueInvalid']]],
      ['bad pod restartPolicy', makePod().with('spec.restartPolicy', 'Sometimes').obj(), [['spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']]],
      ['deployment restartPolicy Never', makeDeployment().with('spec.template.spec.restartPolicy', 'Never').obj(), [['spec.template.spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Never": supported values: "Always"']]],
      ['job restartPolicy Always', makeJob().with('spec.template.spec.restartPolicy', 'Always').obj(), [['spec.template.spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Always": supported values: "OnFailure", "Never"']]],
      ['negative replicas', makeDeployment().replicas(-1).obj(), [['spec.replicas', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0']]],
      ['fractional replicas', makeReplicaSet().replicas(1.5).obj(), [['spec.replicas', 'FieldValueInvalid']]],
      ['deployment without selector', makeDeployment().with('spec.selector', undefined).obj(), [['spec.selector', 'FieldValueRequired']]],
      ['replicaset with empty selector', makeReplicaSet().with('spec.selector', {}).obj(), [['spec.selector', 'FieldValueInvalid', /empty selector is invalid for replicaset/]]],
      [
        'selector not matching template labels',
        makeDeployment().with('spec.template.metadata.labels', { app: 'other' }).obj(),
        [['spec.template.metadata.labels', 'FieldValueInvalid', 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`']],
      ],
      ['job selector not matching', makeJob().with('spec.selector', { matchLabels: { x: 'y' } }).obj(), [['spec.template.metadata.labels', 'FieldValueInvalid']]],
      ['bad selector operator', makeDeployment().with('spec.selector', { matchExpressions: [{ key: 'app', operator: 'Like', values: ['x'] }] }).obj(), [['spec.selector.matchExpressions[0].operator', 'FieldValueNotSupported']]],
      ['bad strategy type', makeDeployment().with('spec.strategy', { type: 'BlueGreen' }).obj(), [['spec.strategy.type', 'FieldValueNotSupported']]],
      ['Recreate with rollingUpdate', makeDeployment().with('spec.strategy', { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }).obj(), [['spec.strategy.rollingUpdate', 'FieldValueForbidden']]],
      ['bad maxSurge', makeDeployment().with('spec.strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25' } }).obj(), [['spec.strategy.rollingUpdate.maxSurge', 'FieldValueInvalid']]],
      ['bad service type', makeObject('v1', 'Service', 'web', 'default').with('spec', { type: 'Magic', ports: [{ port: 80 }] }).obj(), [['spec.type', 'FieldValueNotSupported']]],
      ['service without ports', makeObject('v1', 'Service', 'web', 'default').with('spec', {}).obj(), [['spec.ports', 'FieldValueRequired']]],
      ['service port out of range', makeObject('v1', 'Service', 'web', 'default').with('spec.ports', [{ port: 0 }, { port: 65536, name: 'b' }]).obj(), [
        ['spec.ports[0].name', 'FieldValueRequired'],
        ['spec.ports[0].port', 'FieldValueRequired'],
        ['spec.ports[1].port', 'FieldValueInvalid'],
      ]],
      ['duplicate service port names', makeObject('v1', 'Service', 'web', 'default').with('spec.ports', [{ port: 80, name: 'http' }, { port: 81, name: 'http' }]).obj(), [['spec.ports[1].name', 'FieldValueDuplicate']]],
      ['ExternalName without externalName', makeObject('v1', 'Service', 'web', 'default').with('spec', { type: 'ExternalName' }).obj(), [['spec.externalName', 'FieldValueRequired']]],
      ['bad configmap key', makeObject('v1', 'ConfigMap', 'cm', 'default').with('data', { 'a b': 'x' }).obj(), [['data[a b]', 'FieldValueInvalid', /a valid config key/]]],
      ['secret value not base64', makeObject('v1', 'Secret', 's', 'default').with('data', { k: 'not base64!' }).obj(), [['data[k]', 'FieldValueInvalid']]],
      ['event namespace mismatch', makeObject('v1', 'Event', 'e', 'default').with('involvedObject', { namespace: 'other' }).obj(), [['involvedObject.namespace', 'FieldValueInvalid', 'Invalid value: "other": does not match event.namespace']]],
      ['env var name', makePod().containers({ name: 'a', image: 'x', env: [{ name: '1X' }] }).obj(), [['spec.containers[0].env[0].name', 'FieldValueInvalid']]],
      ['containers not a list', makePod().with('spec.containers', 'nginx').obj(), [['spec.containers', 'FieldValueInvalid']]],
    ])('%s', (_name, obj, expected) => {
      const causes = validateObject(obj);
      expect(causes.map((c) => [c.field, c.reason])).toEqual(expected.map(([f, r]) => [f, r]));
      expected.forEach(([, , message], i) => {
        if (typeof message === 'string') expect(causes[i].message).toBe(message);
        else if (message) expect(causes[i].message).toMatch(message);
      });
    });
  });

  it('reports several problems at once, metadata first', () => {
    expect(fieldsOf(makeDeployment('Web').image('').replicas(-2).obj())).toEqual([
      ['metadata.name', 'FieldValueInvalid'],
      ['spec.replicas', 'FieldValueInvalid'],
      ['spec.template.spec.containers[0].image', 'FieldValueRequired'],
    ]);
  });

  it('does not mutate the object', () => {
    const obj = makeObject('apps/v1', 'Deployment', 'd', 'default').obj();
    const copy = structuredClone(obj);
    validateObject(obj);
    expect(obj).toEqual(copy);
  });
});

describe('validateObject on Service port names', () => {
  const service = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { ports: [{ name, port: 80, targetPort: 8080 }] },
  });

  it('accepts the DNS-label names kubectl create service generates (80-8080)', () => {
    expect(validateObject(service('80-8080'))).toEqual([]);
  });

  it('rejects a name that is not a DNS label', () => {
    expect(validateObject(service('Web_Port')).map((c) => c.field)).toEqual(['spec.ports[0].name']);
  });
});
