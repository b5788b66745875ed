import { execFileSync } from 'node:child_process';
import { eventually, kubectl, kubectlBinaries, makeTmpDir, randomName, runLogbook, startLogbook, useKubectl, type LogbookProcess } from '@logbook/testing';

const versionOf = (bin: string) => /v1\.\d+/.exec(execFileSync(bin, ['version', '--client'], { encoding: 'utf8' }))?.[0] ?? bin;

/** Rows of a `kubectl get` table as objects keyed by its (upper-case) headers; TARGETS may hold spaces. */
function hpaRows(stdout: string): Record<string, string>[] {
  const [header, ...rows] = stdout.trim().split('\n');
  const names = header.trim().split(/\s+/);
  return rows.map((r) => {
    const cells = r.trim().split(/\s{2,}/);
    return Object.fromEntries(cells.map((cell, i) => [names[i], cell]));
  });
}

/**
 * HorizontalPodAutoscaler end to end against `logbook up` with a node agent: a Deployment whose
 * one pod spins a CPU is autoscaled by `kubectl autoscale` (autoscaling/v1) and grows to its
 * maximum on the usage the agent measures; v1 and v2 reads of the HPA agree.
 */
describe('kubectl autoscale / get hpa / describe hpa', () => {
  const dir = makeTmpDir('logbook-hpa-');
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--node-agent', '--node-agent-port', '0', '--hpa-sync-period', '1000'], { LOGBOOK_NODE_STATS_INTERVAL_MS: '500' });
  });
  afterAll(async () => {
    await runLogbook(['down', '--data-dir', dir.path]);
    dir.remove();
    cache.remove();
  });

  describe.each(kubectlBinaries().map((bin) => [versionOf(bin), bin]))('kubectl %s', (_version, bin) => {
    const ns = randomName('hpa');
    const run = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path, input });
    beforeAll(async () => {
      useKubectl(bin);
      expect((await run(['create', 'namespace', ns])).code).toBe(0);
    });
    // The spinning pods go as soon as this version is done: CI has two cores.
    afterAll(async () => {
      await run(['delete', 'namespace', ns, '--wait=false']);
    });

    it('scales a Deployment spinning a CPU from 1 to its maximum of 3', async () => {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'spin', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'spin' } },
          template: {
            metadata: { labels: { app: 'spin' } },
            spec: { containers: [{ name: 'spin', image: 'node:24', command: [process.execPath, '-e', 'for(;;){}'], resources: { requests: { cpu: '100m' } } }] },
          },
        },
      };
      expect((await run(['apply', '-f', '-'], JSON.stringify(deployment))).code).toBe(0);
      const created = await run(['autoscale', 'deployment', 'spin', '-n', ns, '--cpu-percent=50', '--min=1', '--max=3']);
      expect(created.stderr).toBe('');
      expect(created.stdout).toContain('horizontalpodautoscaler.autoscaling/spin autoscaled');

      const row = await eventually(async () => {
        const r = await run(['get', 'hpa', 'spin', '-n', ns]);
        const [hpa] = r.code === 0 ? hpaRows(r.stdout) : [];
        return hpa?.REPLICAS === '3' && /\d+%\/50%/.test(hpa.TARGETS) && hpa;
      }, { timeoutMs: 60_000, what: 'kubectl get hpa showing 3 replicas and a measured CPU target' });
      expect(row).toMatchObject({ NAME: 'spin', REFERENCE: 'Deployment/spin', MINPODS: '1', MAXPODS: '3' });
      expect(Number(/(\d+)%\/50%/.exec(row.TARGETS)![1])).toBeGreaterThan(50);

      const scale = JSON.parse((await run(['get', 'deployment', 'spin', '-n', ns, '-o', 'json'])).stdout);
      expect(scale.spec.replicas).toBe(3);
    });

    it('shows the same HPA through autoscaling/v1 and autoscaling/v2', async () => {
      const [v1, v2] = await eventually(async () => {
        const a = JSON.parse((await run(['get', 'horizontalpodautoscalers.v1.autoscaling', 'spin', '-n', ns, '-o', 'json'])).stdout);
        const b = JSON.parse((await run(['get', 'horizontalpodautoscalers.v2.autoscaling', 'spin', '-n', ns, '-o', 'json'])).stdout);
        return a.metadata.resourceVersion === b.metadata.resourceVersion && [a, b];
      }, { timeoutMs: 20_000, what: 'v1 and v2 reads at the same resourceVersion' });
      expect(v1.apiVersion).toBe('autoscaling/v1');
      expect(v2.apiVersion).toBe('autoscaling/v2');
      expect(v1.spec).toEqual({ scaleTargetRef: v2.spec.scaleTargetRef, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 });
      expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
      expect(v1.status.currentReplicas).toBe(v2.status.currentReplicas);
      expect(v1.status.desiredReplicas).toBe(v2.status.desiredReplicas);
      expect(v1.status.currentCPUUtilizationPercentage).toBe(v2.status.currentMetrics[0].resource.current.averageUtilization);
      expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions'])).toEqual(v2.status.conditions);
      const types = v2.status.conditions.map((c: any) => `${c.type}=${c.status}`);
      expect(types).toEqual(expect.arrayContaining(['AbleToScale=True', 'ScalingActive=True', 'ScalingLimited=True']));
    });

    it('describes the HPA with its target, bounds and current utilization', async () => {
      const r = await run(['describe', 'hpa', 'spin', '-n', ns]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Reference:\s+Deployment\/spin/);
      expect(r.stdout).toMatch(/Min replicas:\s+1/);
      expect(r.stdout).toMatch(/Max replicas:\s+3/);
      expect(r.stdout).toMatch(/Deployment pods:\s+3 current \/ 3 desired/);
      // 1.20 falls back to autoscaling/v1 (it knows no v2); 1.32 reads v2 and lists the conditions.
      expect(r.stdout).toMatch(/Current CPU utilization:\s+\d+%|resource cpu on pods\s+\(as a percentage of request\):\s+\d+% \(\d+m\) \/ 50%/);
      expect(r.stdout).toMatch(/Normal\s+SuccessfulRescale\s+.*New size: 3; reason: cpu resource utilization \(percentage of request\) above target/);
      // Stop spinning: the remaining tests need no CPU.
      expect((await run(['scale', 'deployment', 'spin', '-n', ns, '--replicas=0'])).code).toBe(0);
    });

    it('reports ScalingActive=False when the pods have no CPU request', async () => {
      expect((await run(['create', 'deployment', 'idle', '-n', ns, '--image=node:24', '--', process.execPath, '-e', 'setInterval(()=>{},1000)'])).code).toBe(0);
      expect((await run(['autoscale', 'deployment', 'idle', '-n', ns, '--max=2'])).code).toBe(0);
      const condition = await eventually(async () => {
        const hpa = JSON.parse((await run(['get', 'horizontalpodautoscalers.v2.autoscaling', 'idle', '-n', ns, '-o', 'json'])).stdout);
        // Until the pod's first usage sample, the condition says that no metrics came back (as Kubernetes, which reads them first).
        return (hpa.status?.conditions ?? []).find((c: any) => c.type === 'ScalingActive' && c.status === 'False' && /missing request/.test(c.message));
      }, { timeoutMs: 30_000, what: 'ScalingActive=False on the HPA of pods without requests, naming the missing request' });
      expect(condition.reason).toBe('FailedGetResourceMetric');
      expect(condition.message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container node of Pod idle-/);
    });

    it('applies and re-applies an autoscaling/v1 manifest, patching through v1', async () => {
      const manifest = (max: number) =>
        JSON.stringify({
          apiVersion: 'autoscaling/v1',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'applied', namespace: ns, labels: { tier: 'web' } },
          spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'spin' }, minReplicas: 1, maxReplicas: max, targetCPUUtilizationPercentage: 70 },
        });
      expect((await run(['apply', '-f', '-'], manifest(2))).stdout).toContain('horizontalpodautoscaler.autoscaling/applied created');
      const changed = await run(['apply', '-f', '-'], manifest(4));
      expect(changed.stderr).toBe('');
      expect(changed.stdout).toContain('horizontalpodautoscaler.autoscaling/applied configured');
      const v2 = JSON.parse((await run(['get', 'horizontalpodautoscalers.v2.autoscaling', 'applied', '-n', ns, '-o', 'json'])).stdout);
      expect(v2.spec).toMatchObject({ minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] });
      expect(v2.metadata.labels).toEqual({ tier: 'web' });
    });

    it('refuses metrics other than Resource with a 422 and stores nothing', async () => {
      const manifest = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'rps', namespace: ns },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'spin' },
          minReplicas: 2,
          maxReplicas: 1,
          metrics: [{ type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } }],
        },
      };
      const r = await run(['apply', '-f', '-'], JSON.stringify(manifest));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('spec.metrics[0].type: Unsupported value: "Pods": only Resource metrics (cpu, memory) are supported here');
      expect(r.stderr).toContain('spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`');
      expect((await run(['get', 'hpa', 'rps', '-n', ns])).stderr).toContain('NotFound');
    });
  });
});
