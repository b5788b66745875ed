import type { Operation } from 'fast-json-patch';
import type { KubeObject } from '@logbook/kube';
import { CURRENT_SCHEMA_VERSION, type NewEvent, type StoredEvent } from '@logbook/events';

/**
 * Builders for projection tests and benches. Times and ids are derived from arguments, never
 * from the clock or a random source, so folds over fixtures are reproducible.
 */
const T0 = Date.UTC(2024, 0, 1);

export function timeAt(n: number): string {
  return new Date(T0 + n * 1000).toISOString();
}

/** A realistic Pod as a writer would store it (≈1 KB of JSON), not yet bound. */
export function aPod(name: string, namespace = 'default', opts: { labels?: Record<string, string>; n?: number } = {}): KubeObject {
  const n = opts.n ?? 0;
  const app = opts.labels?.app ?? 'web';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      generation: 1,
      creationTimestamp: timeAt(n),
      labels: { app, 'pod-template-hash': '5d8f7b9c4d', ...opts.labels },
      annotations: { 'kubernetes.io/config.source': 'api' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-5d8f7b9c4d`, uid: '11111111-2222-4333-8444-555555555555', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      containers: [
        {
          name: app,
          image: 'registry.example.com/team/web:1.27.3',
          command: ['/bin/server'],
          args: ['--port=8080', '--log-level=info'],
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'POD_NAME', value: name },
            { name: 'MODE', value: 'production' },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

/** A cluster-scoped Node, not yet reporting status. */
export function aNode(name: string, n = 0): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`, creationTimestamp: timeAt(n), labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity: { cpu: '4', memory: '16Gi', pods: '110' } },
  };
}

// Stores reject a reused event id; ids do not enter the projection, so a counter is fine.
let sequence = 0;

function newEvent(type: string, data: unknown, n: number): NewEvent {
  return {
    id: `evt-${++sequence}-${type}-${n}`,
    type,
    data,
    metadata: { time: timeAt(n), actor: 'test', schemaVersion: CURRENT_SCHEMA_VERSION },
  };
}

export const created = (object: KubeObject, n = 0): NewEvent => newEvent(`${object.kind}Created`, { object }, n);
export const updated = (kind: string, patch: Operation[], n = 0): NewEvent => newEvent(`${kind}Updated`, { patch }, n);
export const statusChanged = (kind: string, patch: Operation[], n = 0): NewEvent => newEvent(`${kind}StatusChanged`, { patch }, n);
export const bound = (nodeName: string, n = 0): NewEvent => newEvent('PodBound', { nodeName }, n);
export const scaled = (kind: string, replicas: number, previousReplicas: number, n = 0): NewEvent =>
  newEvent(`${kind}Scaled`, { replicas, previousReplicas }, n);
export const deletionRequested = (deletionTimestamp: string, gracePeriodSeconds?: number, n = 0): NewEvent =>
  newEvent('DeletionRequested', { deletionTimestamp, ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}) }, n);
export const deleted = (n = 0): NewEvent => newEvent('ObjectDeleted', {}, n);

/** A stored event, as if the store had appended `event` to `stream` at `position`. */
export function at(position: number, stream: string, event: NewEvent, revision = 0): StoredEvent {
  return { ...event, position, stream, revision };
}

/** The patch a kubelet writes when the pod starts running on its node. */
export function runningPatch(n: number): Operation[] {
  return [
    { op: 'replace', path: '/status/phase', value: 'Running' },
    { op: 'add', path: '/status/podIP', value: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
    { op: 'add', path: '/status/startTime', value: timeAt(n) },
    {
      op: 'add',
      path: '/status/conditions',
      value: [
        { type: 'Ready', status: 'True', lastTransitionTime: timeAt(n) },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: timeAt(n) },
      ],
    },
  ];
}
