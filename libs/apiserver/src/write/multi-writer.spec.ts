import { ApiError, resourceByKind, type KubeObject } from '@logbook/kube';
import { InMemoryEventStore, type EventStore } from '@logbook/eventstore';
import { Projector } from '@logbook/projections';
import { ClusterWriter, type Caller } from './cluster-writer';
import { EMPTY_ADMISSION } from '../admission/chain';

/**
 * Two API servers on one log (EventStoreDB in distributed mode), store-agnostic: two
 * projector+writer pairs over one shared store whose subscriptions see every append, as the
 * EventStoreDB adapter's `$all` subscription does. Replica B's delivery can be held back to
 * make it lag deterministically.
 */
const configmaps = resourceByKind('ConfigMap')!;
const caller: Caller = { actor: 'alice', user: { name: 'alice', uid: 'alice', groups: [] }, correlationId: 'req-1' };
const cm = (data: Record<string, string>, resourceVersion?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'default', ...(resourceVersion ? { resourceVersion } : {}) },
  data,
});

class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release();
  }
  wait(): Promise<void> {
    return this.opened;
  }
}

/** The same store, with live delivery held while the gate is closed: a replica that lags. */
function lagging(store: EventStore, gate: Gate): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'subscribeAll') {
        return (after: number, handler: Parameters<EventStore['subscribeAll']>[1]) =>
          target.subscribeAll(after, async (event) => {
            await gate.wait();
            await handler(event);
          });
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function replicas() {
  const store = new InMemoryEventStore();
  const gate = new Gate();
  const open = async (view: EventStore) => {
    const projector = new Projector(view, undefined);
    await projector.start();
    // No admission: these writes go to a namespace no one created, and the spec is about concurrency.
    return { projector, writer: new ClusterWriter(view, projector, undefined, undefined, EMPTY_ADMISSION) };
  };
  const a = await open(store);
  const b = await open(lagging(store, gate));
  const stop = () => Promise.all([a.projector.stop(), b.projector.stop()]);
  return { store, gate, a, b, stop };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ApiError);

const budgets = resourceByKind('PodDisruptionBudget')!;
const spend = (podName: string) => ({ type: 'SpendDisruption' as const, resource: budgets, podName });

/** A budget whose controller-computed status allows `allowed` disruptions. */
async function budgetAllowing(writer: ClusterWriter, allowed: number): Promise<void> {
  const object: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } };
  const created = await writer.write(budgets, 'default', 'web', { type: 'Create', resource: budgets, object }, caller);
  const status = { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 2 + allowed, desiredHealthy: 2, expectedPods: 2 + allowed };
  await writer.write(budgets, 'default', 'web', { type: 'UpdateStatus', resource: budgets, object: { ...created.object!, status } }, caller);
}

describe('two API servers writing to one log', () => {
  it('reads its own write at once; the other replica shows it once its projection has applied it', async () => {
    const { a, b, stop } = await replicas();
    const written = await a.writer.write(configmaps, 'default', 'settings', { type: 'Create', resource: configmaps, object: cm({ v: '1' }) }, caller);
    expect(a.projector.state.getByStream('ConfigMap/default/settings')).toBe(written.object);
    await until(() => b.projector.state.position >= Number(written.object!.metadata.resourceVersion));
    expect(b.projector.state.getByStream('ConfigMap/default/settings')?.data).toEqual({ v: '1' });
    await stop();
  });

  it('answers 409 to a write decided on a state the other replica has since changed, and accepts it once caught up', async () => {
    const { store, gate, a, b, stop } = await replicas();
    await a.writer.write(configmaps, 'default', 'settings', { type: 'Create', resource: configmaps, object: cm({ v: '1' }) }, caller);
    await until(() => b.projector.state.getByStream('ConfigMap/default/settings') !== undefined);

    gate.close();
    await a.writer.write(configmaps, 'default', 'settings', { type: 'Update', resource: configmaps, object: cm({ v: 'from-a' }) }, caller);
    const stale = await rejection(b.writer.write(configmaps, 'default', 'settings', { type: 'Update', resource: configmaps, object: cm({ v: 'from-b' }) }, caller));
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await store.readStream('ConfigMap/default/settings')).map((e) => e.type)).toEqual(['ConfigMapCreated', 'ConfigMapUpdated']);

    gate.open();
    await until(() => b.projector.state.position === a.projector.state.position);
    const retried = await b.writer.write(configmaps, 'default', 'settings', { type: 'Update', resource: configmaps, object: cm({ v: 'from-b' }) }, caller);
    expect(retried.before?.data).toEqual({ v: 'from-a' });
    expect(retried.object?.data).toEqual({ v: 'from-b' });
    await stop();
  });

  it('decides on a stream its projection has not seen yet only after applying it (no second create)', async () => {
    const { store, gate, a, b, stop } = await replicas();
    gate.close();
    await a.writer.write(configmaps, 'default', 'settings', { type: 'Create', resource: configmaps, object: cm({ v: 'a' }) }, caller);
    // B has not applied A's create; it learns the stream's revision from the log and must
    // wait for its projection to include it before deciding.
    const fromB = rejection(b.writer.write(configmaps, 'default', 'settings', { type: 'Create', resource: configmaps, object: cm({ v: 'b' }) }, caller));
    gate.open();
    expect(await fromB).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    expect(await store.readStream('ConfigMap/default/settings')).toHaveLength(1);
    await stop();
  });

  it('lets exactly one of two racing updates with the same resourceVersion win', async () => {
    const { a, b, stop } = await replicas();
    const created = await a.writer.write(configmaps, 'default', 'settings', { type: 'Create', resource: configmaps, object: cm({ v: '1' }) }, caller);
    const rv = created.object!.metadata.resourceVersion!;
    await until(() => b.projector.state.position >= Number(rv));
    const outcomes = await Promise.allSettled([
      a.writer.write(configmaps, 'default', 'settings', { type: 'Update', resource: configmaps, object: cm({ v: 'a' }, rv) }, caller),
      b.writer.write(configmaps, 'default', 'settings', { type: 'Update', resource: configmaps, object: cm({ v: 'b' }, rv) }, caller),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 409 } });
    await stop();
  });

  it('lets concurrent evictions on one replica spend exactly the disruptions allowed', async () => {
    const { a, stop } = await replicas();
    await budgetAllowing(a.writer, 2);
    const outcomes = await Promise.allSettled(['p1', 'p2', 'p3', 'p4', 'p5'].map((pod) => a.writer.write(budgets, 'default', 'web', spend(pod), caller)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)).toEqual([429, 429, 429]);
    const status = a.projector.state.getByStream('PodDisruptionBudget/default/web')!.status;
    expect(status.disruptionsAllowed).toBe(0);
    expect(Object.keys(status.disruptedPods)).toEqual(['p1', 'p2']);
    await stop();
  });

  it('never lets two replicas both spend the last disruption: the one that decided on a stale budget gets 409, then 429', async () => {
    const { store, gate, a, b, stop } = await replicas();
    await budgetAllowing(a.writer, 1);
    await until(() => b.projector.state.getByStream('PodDisruptionBudget/default/web')?.status?.disruptionsAllowed === 1);

    gate.close();
    await a.writer.write(budgets, 'default', 'web', spend('p1'), caller);
    // B still sees one disruption allowed; its append expects the budget's old revision.
    expect(await rejection(b.writer.write(budgets, 'default', 'web', spend('p2'), caller))).toMatchObject({ code: 409 });
    gate.open();
    await until(() => b.projector.state.position === a.projector.state.position);
    expect(await rejection(b.writer.write(budgets, 'default', 'web', spend('p2'), caller))).toMatchObject({ code: 429, reason: 'TooManyRequests' });
    const spent = (await store.readStream('PodDisruptionBudget/default/web')).filter((e) => e.type === 'PodDisruptionBudgetStatusChanged');
    expect(spent).toHaveLength(2); // the controller's status, then p1's eviction
    await stop();
  });
});
