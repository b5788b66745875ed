import type { Cause } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { fixture } from '../cluster/testing/fixture';
import { RecordingClient } from '../cluster/testing/recording-client';
import { HorizontalPodAutoscalerController } from './hpa-controller';

const NOW = '2026-01-01T01:00:00Z';
const STARTED = '2026-01-01T00:00:00Z';

/** A RecordingClient that also serves a Deployment's Scale and PodMetrics, and records scale writes. */
class ScalingClient extends RecordingClient {
  readonly scaled: number[] = [];
  constructor(
    private replicas: number,
    private readonly usage: Record<string, string>,
  ) {
    super();
  }
  async getScale(_kind: string, namespace: string, name: string): Promise<KubeObject> {
    return { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace, resourceVersion: '5' }, spec: { replicas: this.replicas }, status: { replicas: this.replicas, selector: 'app=web' } };
  }
  async updateScale(_kind: string, scale: KubeObject, _cause: Cause): Promise<KubeObject> {
    this.replicas = scale.spec.replicas;
    this.scaled.push(scale.spec.replicas);
    return scale;
  }
  async podMetrics(): Promise<KubeObject[]> {
    return Object.entries(this.usage).map(([name, cpu]) => ({ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name, namespace: 'shop' }, timestamp: '2026-01-01T00:59:59Z', window: '1s', containers: [{ name: 'web', usage: { cpu, memory: '1000Ki' } }] }) as KubeObject);
  }
}

const hpa = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop', generation: 1 },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...spec },
});

const pod = (name: string, cpu?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', resources: cpu ? { requests: { cpu } } : {} }] },
  status: { phase: 'Running', startTime: STARTED, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: STARTED }] },
});

async function reconcile(objects: KubeObject[], client: ScalingClient) {
  const { ctx, events } = fixture(objects, NOW);
  const controller = new HorizontalPodAutoscalerController({ syncPeriodMs: 1000 });
  const result = await controller.reconcile('shop/web', { ...ctx, client });
  const status = client.ofVerb('updateStatus').at(-1)?.object.status;
  const condition = (type: string) => status?.conditions?.find((c: any) => c.type === type);
  return { result, status, condition, events: events.events.map((e) => `${e.type} ${e.reason}: ${e.message}`) };
}

describe('HorizontalPodAutoscalerController', () => {
  describe('when the pods use more CPU than the target', () => {
    it('scales the target up to maxReplicas, records why, and asks to be called again after the sync period', async () => {
      const client = new ScalingClient(1, { 'web-1': '250m' });
      const { result, status, condition, events } = await reconcile([hpa(), pod('web-1', '100m')], client);
      expect(client.scaled).toEqual([3]);
      expect(result).toEqual({ requeueAfterMs: 1000 });
      expect(status).toMatchObject({ currentReplicas: 1, desiredReplicas: 3, lastScaleTime: NOW.replace('.000', ''), observedGeneration: 1 });
      expect(status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '250m', averageUtilization: 250 } } }]);
      expect(condition('AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' });
      expect(condition('ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
      expect(condition('ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
      expect(events).toEqual(['Normal SuccessfulRescale: New size: 3; reason: cpu resource utilization (percentage of request) above target']);
    });
  });

  describe('when usage is within the tolerance', () => {
    it('writes no scale, only the status', async () => {
      const client = new ScalingClient(2, { 'web-1': '52m', 'web-2': '52m' });
      const { status, condition } = await reconcile([hpa(), pod('web-1', '100m'), pod('web-2', '100m')], client);
      expect(client.scaled).toEqual([]);
      expect(status).toMatchObject({ currentReplicas: 2, desiredReplicas: 2 });
      expect(status.lastScaleTime).toBeUndefined();
      expect(condition('ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
    });
  });

  describe('when usage drops', () => {
    it('keeps the replicas within the default 300 s scale-down window', async () => {
      const client = new ScalingClient(3, { 'web-1': '1m', 'web-2': '1m', 'web-3': '1m' });
      const objects = [hpa(), pod('web-1', '100m'), pod('web-2', '100m'), pod('web-3', '100m')];
      const { ctx } = fixture(objects, NOW);
      const controller = new HorizontalPodAutoscalerController();
      // A recommendation of 3 a minute ago (made by this controller) holds the count.
      await controller.reconcile('shop/web', { ...ctx, client: new ScalingClient(3, { 'web-1': '60m', 'web-2': '60m', 'web-3': '60m' }), now: () => new Date(Date.parse(NOW) - 60_000) });
      await controller.reconcile('shop/web', { ...ctx, client });
      expect(client.scaled).toEqual([]);
      expect(client.ofVerb('updateStatus').at(-1)!.object.status.conditions.find((c: any) => c.type === 'AbleToScale')).toMatchObject({ reason: 'ScaleDownStabilized' });
    });

    it('scales down at once with a zero window', async () => {
      const client = new ScalingClient(3, { 'web-1': '1m', 'web-2': '1m', 'web-3': '1m' });
      await reconcile([hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }), pod('web-1', '100m'), pod('web-2', '100m'), pod('web-3', '100m')], client);
      expect(client.scaled).toEqual([1]);
    });
  });

  describe('when a pod has no CPU request', () => {
    it('sets ScalingActive=False with FailedGetResourceMetric, records a warning once, and scales nothing', async () => {
      const client = new ScalingClient(1, { 'web-1': '250m' });
      const { status, condition, events } = await reconcile([hpa(), pod('web-1')], client);
      expect(client.scaled).toEqual([]);
      expect(condition('ScalingActive')).toMatchObject({
        status: 'False',
        reason: 'FailedGetResourceMetric',
        message: 'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container web of Pod web-1',
      });
      expect(events).toEqual(['Warning FailedGetResourceMetric: failed to get cpu utilization: missing request for cpu in container web of Pod web-1']);

      const again = new ScalingClient(1, { 'web-1': '250m' });
      const failing = { ...hpa(), status };
      expect((await reconcile([failing, pod('web-1')], again)).events).toEqual([]);
    });
  });

  describe('when the target is scaled to zero', () => {
    it('does not autoscale it', async () => {
      const client = new ScalingClient(0, {});
      const { condition } = await reconcile([hpa()], client);
      expect(client.scaled).toEqual([]);
      expect(condition('ScalingActive')).toMatchObject({ status: 'False', reason: 'ScalingDisabled' });
    });
  });

  describe('when the target is below minReplicas', () => {
    it('scales it up to minReplicas without measuring', async () => {
      const client = new ScalingClient(1, {});
      await reconcile([hpa({ minReplicas: 2 })], client);
      expect(client.scaled).toEqual([2]);
    });
  });

  it('drops a deleted HPA without asking to be called again', async () => {
    const client = new ScalingClient(1, {});
    expect((await reconcile([], client)).result).toBeUndefined();
    expect(client.calls).toEqual([]);
  });

  it('is queued by spec changes only, not by its own status writes', () => {
    const controller = new HorizontalPodAutoscalerController();
    const before = hpa();
    expect(controller.keysFor({ kind: 'HorizontalPodAutoscaler', before, after: { ...before, status: { currentReplicas: 1 } } })).toEqual([]);
    expect(controller.keysFor({ kind: 'HorizontalPodAutoscaler', before, after: { ...before, metadata: { ...before.metadata, generation: 2 } } })).toEqual(['shop/web']);
    expect(controller.keysFor({ kind: 'HorizontalPodAutoscaler', after: before })).toEqual(['shop/web']);
    expect(controller.keysFor({ kind: 'Pod', after: pod('web-1') })).toEqual([]);
  });
});
