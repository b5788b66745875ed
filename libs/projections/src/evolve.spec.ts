import type { KubeObject } from '@logbook/kube';
import type { StoredEvent } from '@logbook/events';
import { evolveObject } from './evolve';
import { PatchConflict } from './immutable-patch';
import { aPod, at, bound, created, deleted, deletionRequested, scaled, statusChanged, updated } from './testing/fixtures';

const STREAM = 'Pod/default/web-1';

/** given(history).when(event).then(…): the fold of history, then one more event. */
function given(...history: StoredEvent[]) {
  const current = history.reduce<KubeObject | undefined>((obj, e) => evolveObject(obj, e), undefined);
  return {
    when(event: StoredEvent) {
      const currentBefore = structuredClone(current);
      const eventBefore = structuredClone(event);
      let result: KubeObject | undefined;
      let error: unknown;
      try {
        result = evolveObject(current, event);
      } catch (e) {
        error = e;
      }
      // Whatever happens, evolve never changes its inputs.
      expect(current).toEqual(currentBefore);
      expect(event).toEqual(eventBefore);
      return {
        then(check: (obj: KubeObject | undefined) => void) {
          if (error) throw error;
          check(result);
        },
        thenNothingHappened() {
          if (error) throw error;
          expect(result).toBe(current);
        },
        thenThrows(type: new (...args: never[]) => Error) {
          expect(error).toBeInstanceOf(type);
        },
      };
    },
  };
}

const podCreated = at(1, STREAM, created(aPod('web-1')));

describe('evolveObject', () => {
  describe('when the pod does not exist', () => {
    it('PodCreated gives the object with resourceVersion = position', () =>
      given()
        .when(at(7, STREAM, created(aPod('web-1'))))
        .then((pod) => {
          expect(pod).toEqual({ ...aPod('web-1'), metadata: { ...aPod('web-1').metadata, resourceVersion: '7' } });
        }));

    it.each([
      ['PodUpdated', updated('Pod', [{ op: 'replace', path: '/spec/restartPolicy', value: 'Never' }])],
      ['PodStatusChanged', statusChanged('Pod', [{ op: 'replace', path: '/status/phase', value: 'Running' }])],
      ['PodBound', bound('node-1')],
      ['DeletionRequested', deletionRequested('2024-01-01T00:00:00.000Z')],
      ['ObjectDeleted', deleted()],
    ])('%s leaves it absent', (_type, event) => given().when(at(3, STREAM, event)).then((pod) => expect(pod).toBeUndefined()));
  });

  describe('when the pod is Pending', () => {
    it('PodBound sets spec.nodeName and resourceVersion, nothing else', () =>
      given(podCreated)
        .when(at(2, STREAM, bound('node-1')))
        .then((pod) => {
          expect(pod!.spec.nodeName).toBe('node-1');
          expect(pod!.metadata.resourceVersion).toBe('2');
          expect(pod!.metadata.generation).toBe(1);
          expect(pod!.status).toEqual(aPod('web-1').status);
        }));

    it('PodStatusChanged applies the patch', () =>
      given(podCreated)
        .when(at(5, STREAM, statusChanged('Pod', [{ op: 'replace', path: '/status/phase', value: 'Running' }, { op: 'add', path: '/status/podIP', value: '10.0.0.1' }])))
        .then((pod) => {
          expect(pod!.status).toEqual({ phase: 'Running', qosClass: 'Burstable', podIP: '10.0.0.1' });
          expect(pod!.metadata.resourceVersion).toBe('5');
        }));

    it('PodUpdated applies the patch, including the generation the writer put in it', () =>
      given(podCreated)
        .when(
          at(4, STREAM, updated('Pod', [
            { op: 'replace', path: '/spec/containers/0/image', value: 'web:2' },
            { op: 'replace', path: '/metadata/generation', value: 2 },
            { op: 'add', path: '/metadata/labels/tier', value: 'front' },
            { op: 'remove', path: '/metadata/annotations' },
          ])),
        )
        .then((pod) => {
          expect(pod!.spec.containers[0].image).toBe('web:2');
          expect(pod!.metadata.generation).toBe(2);
          expect(pod!.metadata.labels).toMatchObject({ app: 'web', tier: 'front' });
          expect(pod!.metadata.annotations).toBeUndefined();
          expect(pod!.metadata.resourceVersion).toBe('4');
        }));

    it('shares the subtrees a patch did not touch with the previous object', () => {
      const before = evolveObject(undefined, podCreated)!;
      const after = evolveObject(before, at(2, STREAM, statusChanged('Pod', [{ op: 'replace', path: '/status/phase', value: 'Running' }])))!;
      expect(after.spec).toBe(before.spec);
      expect(after.metadata.labels).toBe(before.metadata.labels);
      expect(after.status).not.toBe(before.status);
    });

    it('a patch that does not apply throws PatchConflict', () =>
      given(podCreated)
        .when(at(2, STREAM, updated('Pod', [{ op: 'remove', path: '/spec/nodeSelector/disk' }])))
        .thenThrows(PatchConflict));

    it('a patch whose test fails throws PatchConflict', () =>
      given(podCreated)
        .when(at(2, STREAM, updated('Pod', [{ op: 'test', path: '/status/phase', value: 'Running' }])))
        .thenThrows(PatchConflict));

    it('an unknown event type changes nothing', () =>
      given(podCreated).when(at(2, STREAM, { ...bound('n'), type: 'SomethingElse' })).thenNothingHappened());
  });

  describe('when the deployment has 3 replicas', () => {
    const DEPLOY = 'Deployment/default/web';
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', generation: 4 },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
      status: { replicas: 3 },
    };

    it('DeploymentScaled sets spec.replicas and bumps generation by one, nothing else', () =>
      given(at(1, DEPLOY, created(deployment)))
        .when(at(9, DEPLOY, scaled('Deployment', 5, 3)))
        .then((d) => {
          expect(d!.spec).toEqual({ replicas: 5, selector: { matchLabels: { app: 'web' } } });
          expect(d!.metadata.generation).toBe(5);
          expect(d!.metadata.resourceVersion).toBe('9');
          expect(d!.status).toEqual({ replicas: 3 });
        }));
  });

  describe('when the pod is Running on a node', () => {
    const history = [podCreated, at(2, STREAM, bound('node-1')), at(3, STREAM, statusChanged('Pod', [{ op: 'replace', path: '/status/phase', value: 'Running' }]))];

    it('DeletionRequested sets deletionTimestamp and the grace period', () =>
      given(...history)
        .when(at(4, STREAM, deletionRequested('2024-02-01T00:00:00.000Z', 30)))
        .then((pod) => {
          expect(pod!.metadata.deletionTimestamp).toBe('2024-02-01T00:00:00.000Z');
          expect(pod!.metadata.deletionGracePeriodSeconds).toBe(30);
          expect(pod!.metadata.resourceVersion).toBe('4');
          expect(pod!.status.phase).toBe('Running');
        }));

    it('DeletionRequested without a grace period sets only the timestamp', () =>
      given(...history)
        .when(at(4, STREAM, deletionRequested('2024-02-01T00:00:00.000Z')))
        .then((pod) => expect(pod!.metadata).not.toHaveProperty('deletionGracePeriodSeconds')));

    it('ObjectDeleted removes it', () => given(...history).when(at(4, STREAM, deleted())).then((pod) => expect(pod).toBeUndefined()));
  });

  describe('when the pod is Terminating', () => {
    const history = [podCreated, at(2, STREAM, deletionRequested('2024-02-01T00:00:00.000Z', 30))];

    it('ObjectDeleted removes it', () => given(...history).when(at(3, STREAM, deleted())).then((pod) => expect(pod).toBeUndefined()));

    it('PodCreated after ObjectDeleted starts a new object', () =>
      given(...history, at(3, STREAM, deleted()))
        .when(at(4, STREAM, created(aPod('web-1', 'default', { n: 2 }))))
        .then((pod) => {
          expect(pod!.metadata.deletionTimestamp).toBeUndefined();
          expect(pod!.metadata.resourceVersion).toBe('4');
        }));
  });
});
