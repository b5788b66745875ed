import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '@logbook/kube';
import { eventually, kubectl, kubectlBackground, kubectlBinaries, makeTmpDir, randomName, runLogbook, runOnTerminal, shellQuote, startLogbook, useKubectl, type LogbookProcess, fetchText, kubectlVersion } from '@logbook/testing';
import { httpServerContainer, podsRunningAndReady, randomPort } from '../../../libs/cluster/src/acceptance/workload-kit';

jest.setTimeout(180_000);

/** Live processes whose command line is exactly `command` (by /proc, as `pgrep -fx` would). */
function processesRunning(command: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') !== command) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** An upgrade request straight to a server, to see what answers when kubectl is not the client. */
function upgradeRequest(url: string, headers: Record<string, string>, tls: { cert?: string; key?: string } = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', rejectUnauthorized: false, headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io', ...headers }, ...tls });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ code: res.statusCode ?? 0, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * kubectl exec and port-forward against `logbook up` with its node agent: the pod's processes are
 * real, so the command runs beside them with their environment, and the forwarded port reaches
 * the pod's own IP. A hollow node shows what a node without an agent answers.
 */
describe('kubectl exec and port-forward into pods of the node agent', () => {
  const dir = makeTmpDir('logbook-exec-');
  const cache = makeTmpDir('kubectl-cache-');
  const pod = randomName('web');
  const port = randomPort();
  let cluster: LogbookProcess;
  let agentNode = '';

  const run = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { input, cacheDir: cache.path });
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--node-agent', '--node-agent-port', '0', '--hollow-nodes', '1']);
    const nodes: KubeObject[] = await eventually(async () => {
      const items: KubeObject[] = JSON.parse(await ok(['get', 'nodes', '-o', 'json'])).items;
      return items.length === 2 && items;
    }, { timeoutMs: 30_000, what: 'the agent node and the hollow node registered' });
    agentNode = nodes.find((n) => n.metadata.labels?.['node.logbook.io/hollow'] !== 'true')!.metadata.name!;
    const hollowNode = nodes.find((n) => n.metadata.labels?.['node.logbook.io/hollow'] === 'true')!.metadata.name!;
    const web = httpServerContainer(port, {
      env: [
        { name: 'PORT', value: String(port) },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'MARK', value: 'web-container' },
      ],
    });
    const side = { name: 'side', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'MARK', value: 'side-container' }] };
    await ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: 'default' }, spec: { nodeName: agentNode, terminationGracePeriodSeconds: 1, containers: [web, side] } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${pod}-hollow`, namespace: 'default' }, spec: { nodeName: hollowNode, containers: [{ name: 'c', image: 'busybox' }] } },
      ],
    }));
    await podsRunningAndReady(async () => [JSON.parse(await ok(['get', 'pod', pod, '-o', 'json']))], 1, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await runLogbook(['down', '--data-dir', dir.path]);
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  describe.each(kubectlBinaries().map((bin) => [kubectlVersion(bin), bin]))('with kubectl %s', (version, bin) => {
    beforeAll(() => useKubectl(bin));

    it('runs the command beside the container, with its environment and pod IP, and prints stdout and stderr', async () => {
      const r = await run(['exec', pod, '-c', 'web', '--', 'sh', '-c', 'echo "out $MARK $POD_NAME $POD_IP"; echo "err line" >&2']);
      const ip = JSON.parse(await ok(['get', 'pod', pod, '-o', 'json'])).status.podIP;
      expect(r).toMatchObject({ code: 0, stdout: `out web-container ${pod} ${ip}\n` });
      expect(r.stderr).toContain('err line');
    });

    it('speaks WebSocket (v5.channel.k8s.io) with kubectl 1.30+, SPDY/3.1 with older ones', async () => {
      const r = await run(['exec', '-v=4', pod, '-c', 'side', '--', 'echo', 'hi']);
      expect(r.stdout).toBe('hi\n');
      if (version >= 'v1.30') {
        expect(r.stderr).toContain('The subprotocol is v5.channel.k8s.io');
        expect(r.stderr).not.toMatch(/fallback/i);
      } else {
        expect(r.stderr).not.toContain('v5.channel.k8s.io');
      }
    });

    it('gives -it a terminal of kubectl\'s size, with its exit code (kubectl itself on a terminal via script(1))', async () => {
      const kubectlLine = [bin, '--kubeconfig', cluster.kubeconfig, '--cache-dir', cache.path, 'exec', '-it', pod, '-c', 'side', '--', 'sh'].map(shellQuote).join(' ');
      const r = await runOnTerminal(`stty rows 30 cols 100; exec ${kubectlLine}`, 'stty size\necho tty-$((40+2)); tty\nexit 4\n');
      expect(r.code).toBe(4);
      expect(r.output).toContain('30 100\r\n');
      expect(r.output).toContain('tty-42\r\n');
      expect(r.output).toMatch(/\/dev\/pts\/\d+\r\n/);
    });

    it('execs into the container named with -c', async () => {
      expect(await ok(['exec', pod, '-c', 'side', '--', 'sh', '-c', 'echo $MARK'])).toBe('side-container\n');
    });

    it('passes stdin with -i and closes it at the end of the input', async () => {
      const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n';
      const r = await run(['exec', '-i', pod, '-c', 'side', '--', 'sh', '-c', 'tr a-z A-Z; echo END'], lines);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(lines.toUpperCase() + 'END\n');
    });

    it('exits with the command\'s exit code', async () => {
      expect((await run(['exec', pod, '-c', 'side', '--', 'sh', '-c', 'exit 3'])).code).toBe(3);
      expect((await run(['exec', pod, '-c', 'side', '--', 'false'])).code).toBe(1);
      const missing = await run(['exec', pod, '-c', 'side', '--', 'no-such-command-here']);
      expect(missing.code).toBe(127);
      expect(missing.stderr).toContain('no-such-command-here');
    });

    it('copies files into and out of the container with kubectl cp (tar over exec)', async () => {
      const files = makeTmpDir('kubectl-cp-');
      try {
        const content = `payload ${randomName('cp')}\n`;
        writeFileSync(join(files.path, 'in.txt'), content);
        await ok(['cp', join(files.path, 'in.txt'), `${pod}:${files.path}/copied.txt`, '-c', 'side']);
        expect(await ok(['exec', pod, '-c', 'side', '--', 'cat', `${files.path}/copied.txt`])).toBe(content);
        await ok(['cp', `${pod}:${files.path}/copied.txt`, join(files.path, 'back.txt'), '-c', 'side']);
        expect(readFileSync(join(files.path, 'back.txt'), 'utf8')).toBe(content);
      } finally {
        files.remove();
      }
    });

    it('attaches to a container\'s output from now until it exits (kubectl attach)', async () => {
      const ticker = randomName('ticker');
      const stop = makeTmpDir('ticker-stop-');
      try {
        const script = `i=0; while [ ! -f ${stop.path}/stop ]; do echo tick $i; i=$((i+1)); sleep 0.1; done; echo last`;
        await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: ticker, namespace: 'default' }, spec: { nodeName: agentNode, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script] }] } }));
        await eventually(async () => (await run(['logs', ticker])).stdout.includes('tick 3\n'), { timeoutMs: 30_000, what: 'the ticker ticking' });
        const attach = kubectlBackground(cluster.kubeconfig, ['attach', ticker, '-c', 'c'], cache.path);
        const exited = new Promise<number | null>((resolve) => attach.proc.once('exit', resolve));
        const seenAt = await eventually(() => /tick (\d+)\n/.exec(attach.output())?.[1], { timeoutMs: 20_000, what: `attach streaming: ${attach.output()}` });
        writeFileSync(join(stop.path, 'stop'), '');
        expect(await exited).toBe(0);
        // From the moment of attaching (not the start of the log) to the container's last line.
        expect(Number(seenAt)).toBeGreaterThan(3);
        expect(attach.output()).not.toContain('tick 0\n');
        expect(attach.output()).toMatch(/tick \d+\nlast\n$/);
      } finally {
        stop.remove();
      }
      const stdin = await run(['attach', '-i', pod, '-c', 'side'], 'x\n');
      expect(stdin.code).toBe(1);
      expect(stdin.stderr).toContain('stdin closed: attach without -i');
    });

    it('answers a container the pod does not have with a 400 Status', async () => {
      const r = await run(['exec', pod, '-c', 'bogus', '--', 'true']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Error from server (BadRequest): container bogus is not valid for pod ${pod}`);
    });

    it('answers a pod on a node without an agent with a 400 that says why', async () => {
      const r = await run(['exec', `${pod}-hollow`, '--', 'true']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/BadRequest.*has no node agent streaming endpoint/);
    });

    it('forwards a local port to the pod\'s HTTP server', async () => {
      const local = randomPort();
      const forward = kubectlBackground(cluster.kubeconfig, ['port-forward', '-v=4', `pod/${pod}`, `${local}:${port}`], cache.path);
      try {
        await eventually(() => forward.output().includes('Forwarding from 127.0.0.1'), { timeoutMs: 20_000, what: `kubectl port-forward listening: ${forward.output()}` });
        const ip = JSON.parse(await ok(['get', 'pod', pod, '-o', 'json'])).status.podIP;
        for (let i = 0; i < 3; i++) expect(await fetchText(`http://127.0.0.1:${local}/`)).toBe(`hello from ${pod} at ${ip}\n`);
        // 1.31+ tunnels SPDY in WebSocket first; it must not have needed its plain-SPDY fallback.
        if (version >= 'v1.31') {
          expect(forward.output()).toContain('negotiated protocol: portforward.k8s.io');
          expect(forward.output()).not.toMatch(/fallback/i);
        }
      } finally {
        forward.stop();
      }
    });
  });

  it('ends exec\'d commands when their kubectl goes away and when their pod is deleted', async () => {
    const other = randomName('short');
    await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: other, namespace: 'default' }, spec: { nodeName: agentNode, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] } }));
    await podsRunningAndReady(async () => [JSON.parse(await ok(['get', 'pod', other, '-o', 'json']))], 1, { timeoutMs: 60_000 });
    const seconds = (n: number) => String(4000 + n + Math.floor(Math.random() * 1000) * 10);
    const [first, second] = [seconds(1), seconds(2)];
    const gone = kubectlBackground(cluster.kubeconfig, ['exec', other, '--', 'sleep', first], cache.path);
    await eventually(() => processesRunning(`sleep ${first}`).length === 1, { timeoutMs: 20_000, what: 'the exec\'d sleep running' });
    gone.proc.kill('SIGKILL');
    await eventually(() => processesRunning(`sleep ${first}`).length === 0, { timeoutMs: 20_000, what: 'the sleep of a killed kubectl ended' });

    const orphan = kubectlBackground(cluster.kubeconfig, ['exec', other, '--', 'sleep', second], cache.path);
    const exited = new Promise<number | null>((resolve) => orphan.proc.once('exit', resolve));
    await eventually(() => processesRunning(`sleep ${second}`).length === 1, { timeoutMs: 20_000, what: 'the second exec\'d sleep running' });
    await ok(['delete', 'pod', other, '--wait=false']);
    await eventually(() => processesRunning(`sleep ${second}`).length === 0, { timeoutMs: 20_000, what: 'the exec\'d sleep ended with its pod' });
    expect(await exited).not.toBe(0);
  });

  it('serves exec only to authenticated users, and the agent\'s streaming port only to the API server', async () => {
    const path = `/api/v1/namespaces/default/pods/${pod}/exec?command=true&stdout=true&container=side`;
    expect((await upgradeRequest(`${cluster.url}${path}`, {})).code).toBe(401);
    expect((await upgradeRequest(`${cluster.url}${path}`, { Authorization: `Bearer ${cluster.adminToken}` })).code).toBe(101);

    const node = JSON.parse(await ok(['get', 'node', agentNode, '-o', 'json']));
    const address = node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address;
    const streamingPort = node.metadata.annotations['node.logbook.io/streaming-port'];
    const agentPath = `https://${address}:${streamingPort}/exec/default/${pod}/side?command=true&stdout=true`;
    // No client certificate: the TLS handshake itself fails.
    await expect(upgradeRequest(agentPath, {})).rejects.toThrow();
    // The read-only port never runs commands.
    const readOnly = node.status.daemonEndpoints.kubeletEndpoint.Port;
    expect(await fetchText(`http://${address}:${readOnly}/exec/default/${pod}/side?command=true`)).toContain('no such path');
  });
});
