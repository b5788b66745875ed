import { execFileSync } from 'node:child_process';
import { eventually, kubectl, kubectlBinaries, makeTmpDir, randomName, runLogbook, startLogbook, useKubectl, type LogbookProcess } from '@logbook/testing';

const versionOf = (bin: string) => /v1\.\d+/.exec(execFileSync(bin, ['version', '--client'], { encoding: 'utf8' }))?.[0] ?? bin;

/** Rows of a `kubectl top` table as objects keyed by its (upper-case) headers. */
function table(stdout: string): Record<string, string>[] {
  const [header, ...rows] = stdout.trim().split('\n');
  const names = header.trim().split(/\s+/);
  return rows.map((r) => Object.fromEntries(r.trim().split(/\s+/).map((cell, i) => [names[i], cell])));
}

const millicores = (cpu: string) => Number(cpu.replace(/m$/, ''));

/**
 * `kubectl top` against `logbook up`: the node agent reads each pod's processes and the machine
 * from /proc, and the API server serves metrics.k8s.io from the agents, as metrics-server does.
 */
describe('kubectl top pod / node', () => {
  const dir = makeTmpDir('logbook-top-');
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;
  const ns = randomName('top');

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--node-agent', '--node-agent-port', '0'], { LOGBOOK_NODE_STATS_INTERVAL_MS: '500' });
    const k = (args: string[]) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path });
    expect((await k(['create', 'namespace', ns])).code).toBe(0);
    // One pod spins a core, one sleeps; both small Node.js one-liners.
    expect((await k(['run', 'busy', '-n', ns, '--image=node:24', '--labels=load=high', '--command', '--', process.execPath, '-e', 'for(;;){}'])).code).toBe(0);
    expect((await k(['run', 'idle', '-n', ns, '--image=node:24', '--labels=load=low', '--command', '--', process.execPath, '-e', 'setInterval(()=>{},1000)'])).code).toBe(0);
    expect((await k(['wait', '--for=condition=Ready', 'pod/busy', 'pod/idle', '-n', ns, '--timeout=60s'])).code).toBe(0);
  });
  afterAll(async () => {
    await runLogbook(['down', '--data-dir', dir.path]);
    dir.remove();
    cache.remove();
  });

  describe.each(kubectlBinaries().map((bin) => [versionOf(bin), bin]))('kubectl %s', (_version, bin) => {
    beforeAll(() => useKubectl(bin));
    const run = (args: string[]) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path });

    it('shows the busy pod using about a core and the idle one next to nothing, each with its memory', async () => {
      const rows = await eventually(async () => {
        const r = await run(['top', 'pod', '-n', ns]);
        const t = r.code === 0 ? table(r.stdout) : [];
        return t.length === 2 && millicores(t.find((x) => x.NAME === 'busy')!['CPU(cores)']) >= 200 && t;
      }, { timeoutMs: 30_000, what: 'kubectl top pod listing both pods with the busy one above 200m' });
      const busy = rows.find((r) => r.NAME === 'busy')!;
      const idle = rows.find((r) => r.NAME === 'idle')!;
      expect(millicores(idle['CPU(cores)'])).toBeLessThan(100);
      expect(millicores(busy['CPU(cores)'])).toBeGreaterThan(millicores(idle['CPU(cores)']));
      for (const r of rows) expect(r['MEMORY(bytes)']).toMatch(/^[1-9]\d*Mi$/); // a Node.js process holds tens of MiB

      const selected = await run(['top', 'pod', '-n', ns, '-l', 'load=low', '--containers']);
      expect(selected.code).toBe(0);
      expect(table(selected.stdout).map((r) => [r.POD, r.NAME])).toEqual([['idle', 'idle']]);
    });

    it('shows the node with CPU and memory used and their share of allocatable', async () => {
      const r = await run(['top', 'node']);
      expect(r.stderr).toBe('');
      const [node, ...others] = table(r.stdout);
      expect(others).toEqual([]);
      const nodes = JSON.parse((await run(['get', 'nodes', '-o', 'json'])).stdout).items.map((n: any) => n.metadata.name);
      expect(nodes).toContain(node.NAME);
      expect(millicores(node['CPU(cores)'])).toBeGreaterThanOrEqual(200); // the busy pod alone
      expect(node['CPU(%)'] ?? node['CPU%']).toMatch(/^\d+%$/);
      expect(node['MEMORY(%)'] ?? node['MEMORY%']).toMatch(/^\d+%$/);
    });

    it('answers NotFound for a pod without metrics, like metrics-server', async () => {
      const r = await run(['top', 'pod', 'nope', '-n', ns]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('NotFound');
    });
  });
});
