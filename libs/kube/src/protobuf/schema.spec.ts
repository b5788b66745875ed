import { decodeMessage } from '../protobuf';
import { DECODED_KINDS, KUBE_SCHEMA, type FieldType } from './kinds';

/**
 * A test-side encoder that walks the same tables in the other direction: JSON → protobuf bytes.
 * It checks the decoder's handling of every field type; the field numbers themselves are checked
 * by golden.spec.ts against bytes produced outside these tables.
 */
function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80);
  out.push(Number(v));
  return out;
}
const tag = (no: number, wire: number) => varint(no * 8 + wire);
const delimited = (no: number, body: number[]) => [...tag(no, 2), ...varint(body.length), ...body];

function encodeValue(no: number, type: string, v: unknown): number[] {
  switch (type) {
    case 'string':
      return delimited(no, [...Buffer.from(v as string)]);
    case 'bytes':
      return delimited(no, [...Buffer.from(v as string, 'base64')]);
    case 'int32':
    case 'int64':
      return [...tag(no, 0), ...varint(v as number)];
    case 'bool':
      return [...tag(no, 0), v ? 1 : 0];
    case 'quantity':
      return delimited(no, encodeValue(1, 'string', v));
    case 'time':
      return delimited(no, encodeValue(1, 'int64', Date.parse(v as string) / 1000));
    case 'intOrString':
      return delimited(no, typeof v === 'number' ? [8, 0, ...encodeValue(2, 'int32', v)] : [8, 1, ...encodeValue(3, 'string', v)]);
  }
  return delimited(no, encode(type.slice('message:'.length), v as Record<string, unknown>));
}

function encodeField(no: number, type: FieldType, v: unknown): number[] {
  if (type.startsWith('repeated ')) return (v as unknown[]).flatMap((e) => encodeValue(no, type.slice(9), e));
  if (type.startsWith('map<')) {
    const valueType = type.slice('map<string,'.length, -1);
    return Object.entries(v as object).flatMap(([key, value]) => delimited(no, [...encodeValue(1, 'string', key), ...encodeValue(2, valueType, value)]));
  }
  return encodeValue(no, type, v);
}

function encode(type: string, obj: Record<string, unknown>): number[] {
  return Object.entries(KUBE_SCHEMA[type]).flatMap(([no, spec]) => {
    if (spec.inline) return encodeField(Number(no), spec.type, obj);
    return obj[spec.name] === undefined ? [] : encodeField(Number(no), spec.type, obj[spec.name]);
  });
}

const roundTrip = (type: string, obj: Record<string, unknown>) => decodeMessage(type, Uint8Array.from(encode(type, obj)));

describe('the schema tables', () => {
  const referenced = Object.values(KUBE_SCHEMA).flatMap((t) => Object.values(t).map((s) => s.type.replace(/^repeated /, '')));

  it('resolve every message they reference, and every decoded kind', () => {
    const missing = [...referenced.filter((t) => t.startsWith('message:')).map((t) => t.slice(8)), ...Object.values(DECODED_KINDS)].filter((t) => !KUBE_SCHEMA[t]);
    expect(missing).toEqual([]);
  });

  it('use each JSON name once per message', () => {
    for (const [type, table] of Object.entries(KUBE_SCHEMA)) {
      const names = Object.values(table).map((s) => s.name).filter(Boolean);
      expect({ type, duplicates: names.filter((n, i) => names.indexOf(n) !== i) }).toEqual({ type, duplicates: [] });
    }
  });
});

describe('decodeMessage, driven by the tables', () => {
  it('round-trips a pod with volumes, probes, env sources and resources', () => {
    const pod = {
      metadata: { name: 'p', labels: { a: 'b' }, creationTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 },
      spec: {
        volumes: [
          { name: 'h', hostPath: { path: '/var', type: '' } },
          { name: 'c', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
          { name: 's', secret: { secretName: 's', items: [{ key: 'k', path: 'p' }] } },
        ],
        containers: [
          {
            name: 'c',
            image: 'i',
            env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
            envFrom: [{ configMapRef: { name: 'cm', optional: false } }],
            resources: { limits: { 'nvidia.com/gpu': '1' } },
            volumeMounts: [{ name: 's', mountPath: '/s', mountPropagation: 'None', recursiveReadOnly: 'Disabled' }],
            livenessProbe: { grpc: { port: 9000, service: '' } },
            restartPolicy: 'Always',
            securityContext: { privileged: false, runAsGroup: 0, readOnlyRootFilesystem: true },
            stdin: true,
            tty: true,
          },
        ],
        imagePullSecrets: [{ name: 'reg' }],
        automountServiceAccountToken: false,
        priority: 0,
        hostname: 'h',
        subdomain: 's',
        preemptionPolicy: 'Never',
        securityContext: { runAsUser: 1000, runAsGroup: 0, fsGroupChangePolicy: 'Always' },
      },
      status: { phase: 'Pending' },
    };
    expect(roundTrip('Pod', pod)).toEqual(pod);
  });

  it('round-trips a ReplicaSet and a LoadBalancer Service', () => {
    const rs = { metadata: { name: 'rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }] }, spec: { replicas: 0, minReadySeconds: 3, selector: { matchLabels: { a: 'b' } }, template: { metadata: {}, spec: { containers: [{ name: 'c' }] } } } };
    expect(roundTrip('ReplicaSet', rs)).toEqual(rs);
    const svc = { metadata: { name: 's' }, spec: { type: 'LoadBalancer', loadBalancerIP: '1.1.1.1', loadBalancerSourceRanges: ['10.0.0.0/8'], healthCheckNodePort: 31000, publishNotReadyAddresses: true, clusterIPs: ['10.0.0.1'], allocateLoadBalancerNodePorts: false, loadBalancerClass: 'x', trafficDistribution: 'PreferClose', ports: [{ port: 443, appProtocol: 'https', targetPort: 0 }] } };
    expect(roundTrip('Service', svc)).toEqual(svc);
  });

  it('round-trips an Eviction with every DeleteOptions field, keeping a zero grace period', () => {
    const eviction = {
      metadata: { name: 'web-1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u-1', resourceVersion: '42' }, orphanDependents: false, propagationPolicy: 'Background', dryRun: ['All'], ignoreStoreReadErrorWithClusterBreakingPotential: false },
    };
    expect(roundTrip('Eviction', eviction)).toEqual(eviction);
  });

  it('round-trips a PodDisruptionBudget and the self access reviews', () => {
    const pdb = { metadata: { name: 'web' }, spec: { minAvailable: '50%', maxUnavailable: 0, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } };
    expect(roundTrip('PodDisruptionBudget', pdb)).toEqual(pdb);
    const ssar = { metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', name: 'web' }, nonResourceAttributes: { path: '/healthz', verb: 'get' } } };
    expect(roundTrip('SelfSubjectAccessReview', ssar)).toEqual(ssar);
    expect(roundTrip('SelfSubjectRulesReview', { metadata: {}, spec: { namespace: 'team' } })).toEqual({ metadata: {}, spec: { namespace: 'team' } });
  });

  it('drops zero scalars of omitempty fields but keeps those of pointer fields', () => {
    const zeros = { name: '', image: '', workingDir: '', stdin: false, restartPolicy: '', ports: [{ containerPort: 0, hostPort: 0, name: '' }] };
    expect(roundTrip('Container', zeros)).toEqual({ name: '', restartPolicy: '', ports: [{ containerPort: 0 }] });
    const spec = { replicas: 0, minReadySeconds: 0, paused: false, revisionHistoryLimit: 0, progressDeadlineSeconds: 0 };
    expect(roundTrip('DeploymentSpec', spec)).toEqual({ replicas: 0, revisionHistoryLimit: 0, progressDeadlineSeconds: 0 });
  });

  it('decodes negative int32 and int64 values written as 10-byte varints', () => {
    expect(roundTrip('PodSecurityContext', { runAsUser: -1, fsGroup: -(2 ** 40) })).toEqual({ runAsUser: -1, fsGroup: -(2 ** 40) });
    expect(roundTrip('DeploymentSpec', { replicas: -3 })).toEqual({ replicas: -3 });
  });

  it('accepts packed repeated integers', () => {
    const packed = delimited(4, [...varint(1), ...varint(300), ...varint(-5)]);
    expect(decodeMessage('PodSecurityContext', Uint8Array.from(packed))).toEqual({ supplementalGroups: [1, 300, -5] });
  });

  it('omits a zero Time, as Go renders it null', () => {
    expect(decodeMessage('ObjectMeta', Uint8Array.from(delimited(8, [])))).toEqual({});
  });
});
