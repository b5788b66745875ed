import { ApiError, resourceByKind, type KubeObject } from '@logbook/kube';
import type { NewEvent, StoredEvent } from '@logbook/events';
import { evolveObject } from '@logbook/projections';
import { decide } from './decide';
import type { WriteCommand, WriteContext } from './commands';

const deployments = resourceByKind('Deployment')!;
const configmaps = resourceByKind('ConfigMap')!;
const pods = resourceByKind('Pod')!;
const namespaces = resourceByKind('Namespace')!;

function context(): WriteContext {
  let n = 0;
  return { actor: 'alice', now: '2026-11-22T10:00:00.123Z', correlationId: 'req-1', newId: () => `id-${++n}` };
}

/** given(events).when(command).then(…): the decider as a specification (STYLE.md). */
function given(stream: string, ...history: NewEvent[]) {
  let state: KubeObject | undefined;
  history.forEach((e, i) => (state = evolveObject(state, { ...e, position: i + 1, revision: i, stream } as StoredEvent)));
  return {
    when(command: WriteCommand) {
      const run = () => decide(command, state, context());
      return {
        then(check: (events: NewEvent[], after: KubeObject | undefined) => void) {
          const events = run();
          let after = state;
          events.forEach((e, i) => (after = evolveObject(after, { ...e, position: 100 + i, revision: 100 + i, stream } as StoredEvent)));
          check(events, after);
        },
        thenThrows(code: number, reason?: string) {
          try {
            run();
          } catch (err) {
            expect(err).toBeInstanceOf(ApiError);
            expect((err as ApiError).code).toBe(code);
            if (reason) expect((err as ApiError).reason).toBe(reason);
            return err as ApiError;
          }
          throw new Error('expected the command to be rejected');
        },
        thenNothingHappened() {
          expect(run()).toEqual([]);
        },
      };
    },
  };
}

const deployment = (image = 'nginx:1.25', replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});

/** The events a command decides on the object the history leaves. */
function decideOn(history: NewEvent[], command: WriteCommand): NewEvent[] {
  let state: KubeObject | undefined;
  history.forEach((e, i) => (state = evolveObject(state, { ...e, position: i + 1, revision: i, stream: 'x' } as StoredEvent)));
  return decide(command, state, context());
}

const created = (obj: KubeObject): NewEvent[] => decide({ type: 'Create', resource: resourceByKind(obj.kind)!, object: obj }, undefined, context());

describe('decide', () => {
  describe('when the deployment does not exist', () => {
    it('creates it with server-set fields and defaults', () =>
      given('Deployment/default/web').when({ type: 'Create', resource: deployments, object: deployment() }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeploymentCreated']);
        expect(events[0].metadata).toMatchObject({ actor: 'alice', correlationId: 'req-1', time: '2026-11-22T10:00:00.123Z', schemaVersion: 1 });
        expect(after!.metadata).toMatchObject({ uid: 'id-1', generation: 1, creationTimestamp: '2026-11-22T10:00:00Z', resourceVersion: '100' });
        expect(after!.spec.strategy.type).toBe('RollingUpdate');
        expect(after!.spec.revisionHistoryLimit).toBe(10);
      }));

    it('rejects an invalid one with one cause per field', () => {
      const bad = deployment();
      bad.spec.replicas = -1;
      delete bad.spec.template.spec.containers[0].image;
      const err = given('Deployment/default/web').when({ type: 'Create', resource: deployments, object: bad }).thenThrows(422, 'Invalid');
      expect(err.details!.causes!.map((c) => c.field).sort()).toEqual(['spec.replicas', 'spec.template.spec.containers[0].image']);
      expect(err.message).toMatch(/^Deployment\.apps "web" is invalid/);
    });

    it('answers 404 to an update', () => {
      given('Deployment/default/web').when({ type: 'Update', resource: deployments, object: deployment() }).thenThrows(404, 'NotFound');
    });
  });

  describe('when the deployment exists', () => {
    const history = created(deployment());

    it('refuses a second create with AlreadyExists', () => {
      given('Deployment/default/web', ...history).when({ type: 'Create', resource: deployments, object: deployment() }).thenThrows(409, 'AlreadyExists');
    });

    it('records an image change as a patch and bumps the generation', () =>
      given('Deployment/default/web', ...history)
        .when({ type: 'Update', resource: deployments, object: deployment('nginx:1.26') })
        .then((events, after) => {
          expect(events.map((e) => e.type)).toEqual(['DeploymentUpdated']);
          const ops = (events[0].data as any).patch.map((op: any) => `${op.op} ${op.path}`);
          expect(ops).toContain('replace /spec/template/spec/containers/0/image');
          expect(ops).toContain('replace /metadata/generation');
          expect(after!.metadata.generation).toBe(2);
          expect(after!.metadata.uid).toBe('id-1');
        }));

    it('keeps the generation for a label-only change', () => {
      const relabelled = deployment();
      relabelled.metadata.labels = { app: 'web', tier: 'front' };
      given('Deployment/default/web', ...history).when({ type: 'Update', resource: deployments, object: relabelled }).then((_events, after) => {
        expect(after!.metadata.generation).toBe(1);
        expect(after!.metadata.labels).toEqual({ app: 'web', tier: 'front' });
      });
    });

    it('appends nothing for an update that changes nothing', () =>
      given('Deployment/default/web', ...history).when({ type: 'Update', resource: deployments, object: deployment() }).thenNothingHappened());

    it('rejects a stale resourceVersion with Conflict', () => {
      const stale = deployment('nginx:1.26');
      stale.metadata.resourceVersion = '0';
      given('Deployment/default/web', ...history).when({ type: 'Update', resource: deployments, object: stale }).thenThrows(409, 'Conflict');
    });

    it('ignores status on the main resource and spec on /status', () => {
      const withStatus = { ...deployment('nginx:1.26'), status: { replicas: 5 } };
      given('Deployment/default/web', ...history).when({ type: 'Update', resource: deployments, object: withStatus }).then((_e, after) => {
        expect(after!.status).toBeUndefined();
        expect(after!.spec.template.spec.containers[0].image).toBe('nginx:1.26');
      });
      given('Deployment/default/web', ...history).when({ type: 'UpdateStatus', resource: deployments, object: withStatus }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeploymentStatusChanged']);
        expect(after!.status).toEqual({ replicas: 5 });
        expect(after!.spec.template.spec.containers[0].image).toBe('nginx:1.25');
      });
    });

    it('scales with a DeploymentScaled event', () =>
      given('Deployment/default/web', ...history).when({ type: 'Scale', resource: deployments, replicas: 5 }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeploymentScaled']);
        expect(events[0].data).toEqual({ replicas: 5, previousReplicas: 2 });
        expect(after!.spec.replicas).toBe(5);
      }));

    it('deletes at once in the background when there are no finalizers', () =>
      given('Deployment/default/web', ...history).when({ type: 'Delete', resource: deployments, propagationPolicy: 'Background' }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['ObjectDeleted']);
        expect(events[0].data).toEqual({ propagationPolicy: 'Background' });
        expect(after).toBeUndefined();
      }));
  });

  describe('when the deployment is deleted in the foreground or orphaning', () => {
    const history = created(deployment());
    it.each([
      ['Foreground', 'foregroundDeletion'],
      ['Orphan', 'orphan'],
    ] as const)('%s adds the %s finalizer and marks it for deletion', (policy, finalizer) =>
      given('Deployment/default/web', ...history).when({ type: 'Delete', resource: deployments, propagationPolicy: policy }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeploymentUpdated', 'DeletionRequested']);
        expect(after!.metadata.finalizers).toEqual([finalizer]);
        expect(after!.metadata.deletionTimestamp).toBeDefined();
      }));
  });

  describe('when the object has a finalizer', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', finalizers: ['example.com/hold'] }, data: { a: '1' } };
    const history = created(cm);

    it('marks it for deletion instead of deleting it', () =>
      given('ConfigMap/default/c', ...history).when({ type: 'Delete', resource: configmaps }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeletionRequested']);
        expect(after!.metadata.deletionTimestamp).toBe('2026-11-22T10:00:00Z');
      }));

    it('deletes it when the last finalizer is removed', () => {
      const requested = decide({ type: 'Delete', resource: configmaps }, evolveObject(undefined, { ...history[0], position: 1, revision: 0, stream: 'ConfigMap/default/c' } as StoredEvent), context());
      const released = { ...cm, metadata: { ...cm.metadata, finalizers: [] } };
      given('ConfigMap/default/c', ...history, ...requested).when({ type: 'Update', resource: configmaps, object: released }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['ConfigMapUpdated', 'ObjectDeleted']);
        expect(after).toBeUndefined();
      });
    });
  });

  describe('when the namespace is Active', () => {
    const history = created({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    it('holds it Terminating on its spec.finalizers when deleted', () =>
      given('Namespace/team', ...history).when({ type: 'Delete', resource: namespaces }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeletionRequested', 'NamespaceStatusChanged']);
        expect(after!.metadata.deletionTimestamp).toBeDefined();
        expect(after!.status.phase).toBe('Terminating');
      }));
  });

  describe('when the pod is Pending', () => {
    const history = created({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

    it('starts in phase Pending', () =>
      given('Pod/default/p').when({ type: 'Create', resource: pods, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } }).then((_e, after) => {
        expect(after!.status.phase).toBe('Pending');
      }));

    it('binds it to a node once, then refuses a second binding', () => {
      given('Pod/default/p', ...history).when({ type: 'Bind', resource: pods, nodeName: 'node-1' }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['PodBound']);
        expect(after!.spec.nodeName).toBe('node-1');
      });
      const bound = decide({ type: 'Bind', resource: pods, nodeName: 'node-1' }, evolveObject(undefined, { ...history[0], position: 1, revision: 0, stream: 'Pod/default/p' } as StoredEvent), context());
      given('Pod/default/p', ...history, ...bound).when({ type: 'Bind', resource: pods, nodeName: 'node-2' }).thenThrows(409, 'Conflict');
    });
  });
  describe('when the pod is bound to a node', () => {
    const spec = { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 20 };
    const history = [
      ...created({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec }),
      { id: 'b', type: 'PodBound', data: { nodeName: 'node-1' }, metadata: { time: '2026-11-22T09:00:00Z', actor: 'scheduler', correlationId: 'x', schemaVersion: 1 } } as NewEvent,
    ];
    const terminating = (grace: number) => [...history, ...decideOn(history, { type: 'Delete', resource: pods, nodeReady: true, gracePeriodSeconds: grace })];

    it('on a Ready node, is marked Terminating with its terminationGracePeriodSeconds', () =>
      given('Pod/default/p', ...history).when({ type: 'Delete', resource: pods, nodeReady: true }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['DeletionRequested']);
        expect(after!.metadata.deletionTimestamp).toBe('2026-11-22T10:00:00Z');
        expect(after!.metadata.deletionGracePeriodSeconds).toBe(20);
      }));

    it('on a Ready node, takes the grace period the request names', () =>
      given('Pod/default/p', ...history).when({ type: 'Delete', resource: pods, nodeReady: true, gracePeriodSeconds: 5 }).then((_events, after) => {
        expect(after!.metadata.deletionGracePeriodSeconds).toBe(5);
      }));

    it.each([
      ['with grace period 0', { nodeReady: true, gracePeriodSeconds: 0 }],
      ['on a node that is not Ready', { nodeReady: false }],
      ['when the node is unknown to the request', {}],
    ])('is deleted at once %s', (_name, options) =>
      given('Pod/default/p', ...history).when({ type: 'Delete', resource: pods, ...options }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['ObjectDeleted']);
        expect(after).toBeUndefined();
      }));

    it('once Terminating, is deleted by the node agent\'s delete with grace period 0', () =>
      given('Pod/default/p', ...terminating(20)).when({ type: 'Delete', resource: pods, nodeReady: true, gracePeriodSeconds: 0, preconditions: { uid: 'id-1' } }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['ObjectDeleted']);
        expect(after).toBeUndefined();
      }));

    it('once Terminating, a second delete may shorten the grace period but not lengthen it', () => {
      given('Pod/default/p', ...terminating(20)).when({ type: 'Delete', resource: pods, nodeReady: true, gracePeriodSeconds: 30 }).thenNothingHappened();
      given('Pod/default/p', ...terminating(20)).when({ type: 'Delete', resource: pods, nodeReady: true, gracePeriodSeconds: 3 }).then((_events, after) => {
        expect(after!.metadata.deletionGracePeriodSeconds).toBe(3);
        expect(after!.metadata.deletionTimestamp).toBe('2026-11-22T10:00:00Z');
      });
    });

    it('an unbound pod is deleted at once whatever the grace period', () =>
      given('Pod/default/p', history[0]).when({ type: 'Delete', resource: pods, nodeReady: true, gracePeriodSeconds: 30 }).then((events) => {
        expect(events.map((e) => e.type)).toEqual(['ObjectDeleted']);
      }));
  });

  describe('when the statefulset exists', () => {
    const statefulsets = resourceByKind('StatefulSet')!;
    const sts = (serviceName: string, image = 'nginx:1.25'): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: { replicas: 3, serviceName, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } } },
    });
    const history = created(sts('db'));

    it('takes a new template, and scales with a StatefulSetScaled event', () => {
      given('StatefulSet/default/db', ...history).when({ type: 'Update', resource: statefulsets, object: sts('db', 'nginx:1.26') }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['StatefulSetUpdated']);
        expect(after!.metadata.generation).toBe(2);
      });
      given('StatefulSet/default/db', ...history).when({ type: 'Scale', resource: statefulsets, replicas: 5 }).then((events, after) => {
        expect(events.map((e) => e.type)).toEqual(['StatefulSetScaled']);
        expect(after!.spec.replicas).toBe(5);
      });
    });

    it('refuses a change of the fields kube freezes with 422, appending nothing', () => {
      const err = given('StatefulSet/default/db', ...history).when({ type: 'Update', resource: statefulsets, object: sts('other') }).thenThrows(422, 'Invalid');
      expect(err.details!.causes).toEqual([expect.objectContaining({ field: 'spec', reason: 'FieldValueForbidden' })]);
      expect(err.message).toMatch(/^StatefulSet\.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than/);
    });
  });
});
