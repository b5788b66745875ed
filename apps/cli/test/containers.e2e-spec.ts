import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContainerCluster,
  describeWithContainers,
  eventually,
  kubectl,
  kubectlBackground,
  kubectlBinaries,
  makeTmpDir,
  randomName,
  readyPods,
  removeContainerCluster,
  runOnTerminal,
  shellQuote,
  startContainerCluster,
  startTestRegistry,
  useKubectl,
  webWorkload,
  fetchText,
  inCidr,
  kubectlVersion,
} from '@logbook/testing';

jest.setTimeout(300_000);

/**
 * Issue 11's acceptance on a real containerd (managed by the node agent), a real registry started
 * by `logbook up --registry`, and real kubectl 1.20 and 1.32: ordinary manifests run as isolated
 * containers of images pulled from the registry, with pod IPs from the node's podCIDR.
 */
describeWithContainers('pods as containers (CRI on containerd)', () => {
  const dir = makeTmpDir('logbook-containers-');
  const cache = makeTmpDir('kubectl-cache-');
  const app = randomName('web');
  let c: ContainerCluster;
  let privateRegistry: Awaited<ReturnType<typeof startTestRegistry>>;
  const privateImage = () => `${privateRegistry.address}/private/busybox:1.35`;

  beforeAll(async () => {
    // kubectl top reads what the agent sampled from CRI stats: sample often.
    process.env.LOGBOOK_NODE_STATS_INTERVAL_MS = '500';
    privateRegistry = await startTestRegistry({ htpasswd: true, images: ['busybox'], names: () => ['private/busybox:1.35'] });
    c = await startContainerCluster(dir.path, cache.path, ['--insecure-registry', privateRegistry.address]);
    await c.ok(['apply', '-f', '-'], JSON.stringify(webWorkload(app, 3)));
    await readyPods(c, app, 3, 180_000);
  }, 400_000);

  afterAll(async () => {
    if (c) await removeContainerCluster(c, dir.path);
    await privateRegistry?.stop();
    dir.remove();
    cache.remove();
  }, 180_000);

  it('runs a Deployment of 3 as isolated containers: PID 1 is the entrypoint, hostname is the pod name, the root filesystem is the image\'s', async () => {
    const pods = await readyPods(c, app, 3);
    for (const pod of pods) {
      const name = pod.metadata.name;
      expect(pod.status.containerStatuses[0]).toMatchObject({ image: 'busybox', ready: true });
      expect(pod.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(pod.status.containerStatuses[0].imageID).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(await c.ok(['exec', name, '--', 'cat', '/proc/1/cmdline'])).toBe('httpd\0-f\0-p\x008080\0-h\0/www\0');
      expect(await c.ok(['exec', name, '--', 'hostname'])).toBe(`${name}\n`);
      // The host's processes (this jest worker, containerd) are not in the pod's PID namespace.
      const ps = await c.ok(['exec', name, '--', 'ps', '-o', 'pid,comm']);
      expect(ps).not.toMatch(/containerd|node|jest/);
      expect(ps.trim().split('\n').length).toBeLessThanOrEqual(4);
      // Debian's files are the host's; the image is busybox-static alone.
      expect((await kubectl(c.kubeconfig, ['exec', name, '--', 'test', '-e', '/etc/debian_version'], { cacheDir: cache.path })).code).toBe(1);
      expect(await c.ok(['exec', name, '--', 'cat', '/etc/hostname'])).toBe(`${name}\n`);
    }
  });

  it('gives pods IPs in the node\'s podCIDR, and a Service answers curl from the host round-robin over them', async () => {
    const pods = await readyPods(c, app, 3);
    const node = await c.json(['get', 'node', pods[0].spec.nodeName]);
    expect(inCidr(node.spec.podCIDR.split('/')[0], c.clusterCIDR)).toBe(true);
    for (const pod of pods) expect(inCidr(pod.status.podIP, node.spec.podCIDR)).toBe(true);
    const svc = await c.json(['get', 'service', app]);
    const names = new Set(pods.map((p) => p.metadata.name));
    const seen = new Set<string>();
    await eventually(
      async () => {
        for (let i = 0; i < 12; i++) seen.add((await fetchText(`http://${svc.spec.clusterIP}/`)).trim());
        return [...names].every((n) => seen.has(n));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'answers from all three pods' },
    );
    expect([...seen].every((n) => names.has(n))).toBe(true);
  });

  it('ends a container over its 32Mi memory limit OOMKilled, and restarts it', async () => {
    const name = randomName('oom');
    await c.ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'hog', image: 'busybox', command: ['sh', '-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); sleep 3600'], resources: { limits: { memory: '32Mi' } } }],
      },
    }));
    const status = await eventually(
      async () => {
        const s = (await c.json(['get', 'pod', name])).status?.containerStatuses?.[0];
        return s?.restartCount >= 1 && s.lastState?.terminated && s;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'the hog OOMKilled and restarted' },
    );
    expect(status.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    await c.ok(['delete', 'pod', name, '--wait=false']);
  });

  it('says ErrImagePull, then ImagePullBackOff, with the registry\'s message for a missing image', async () => {
    const name = randomName('missing');
    const image = `${randomName('no-such-image')}:1`;
    // A watch sees every status the node agent wrote, however briefly each one held.
    const watch = kubectlBackground(c.kubeconfig, ['get', 'pods', '-l', `run=${name}`, '-w', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}{"\\n"}'], cache.path);
    try {
      await c.ok(['run', name, `--image=${image}`, '--restart=Never']);
      await eventually(() => /ErrImagePull\n[\s\S]*ImagePullBackOff\n/.test(watch.output()), { timeoutMs: 90_000, intervalMs: 200, what: `ErrImagePull then ImagePullBackOff (watch saw: ${JSON.stringify(watch.output())})` });
    } finally {
      watch.stop();
    }
    const waiting = (await c.json(['get', 'pod', name])).status.containerStatuses[0].state.waiting;
    expect(waiting.reason).toMatch(/^(ErrImagePull|ImagePullBackOff)$/);
    // The local registry (docker.io's mirror) answered, and nothing was asked of Docker Hub.
    expect(waiting.message).toMatch(/not found/i);
    expect(waiting.message).toContain(image.split(':')[0]);
    expect(waiting.message).not.toContain('registry-1.docker.io');
    const events = await c.ok(['get', 'events', '--field-selector', `involvedObject.name=${name}`]);
    expect(events).toContain('Failed to pull image');
    expect(events).toContain('Back-off pulling image');
    await c.ok(['delete', 'pod', name, '--wait=false']);
  });

  it('pulls a private image with imagePullSecrets, and fails with the registry\'s auth error without them', async () => {
    const secret = randomName('regcred');
    const creds = privateRegistry.credentials!;
    await c.ok(['create', 'secret', 'docker-registry', secret, `--docker-server=${privateRegistry.address}`, `--docker-username=${creds.username}`, `--docker-password=${creds.password}`]);
    const withSecret = randomName('private');
    const without = randomName('private-nocreds');
    const pod = (name: string, pullSecrets: boolean) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: name } },
      spec: { terminationGracePeriodSeconds: 0, ...(pullSecrets ? { imagePullSecrets: [{ name: secret }] } : {}), containers: [{ name: 'c', image: privateImage(), imagePullPolicy: 'Always', command: ['sleep', '3600'] }] },
    });
    await c.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod(withSecret, true), pod(without, false)] }));
    // Always: the image the first pod pulled is on the node, and IfNotPresent would let the second use it.
    await readyPods(c, withSecret, 1, 90_000);
    const waiting = await eventually(
      async () => {
        const w = (await c.json(['get', 'pod', without])).status?.containerStatuses?.[0]?.state?.waiting;
        return (w?.reason === 'ErrImagePull' || w?.reason === 'ImagePullBackOff') && w;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the pull without credentials failing' },
    );
    expect(waiting.message).toMatch(/401|unauthorized|authorization/i);
    await c.ok(['delete', 'pod', withSecret, without, '--wait=false']);
  });

  it('shows container usage from CRI stats in kubectl top pod', async () => {
    const name = randomName('spin');
    await c.ok(['run', name, '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'while :; do :; done']);
    const row = await eventually(
      async () => {
        const r = await kubectl(c.kubeconfig, ['top', 'pod', name, '--no-headers'], { cacheDir: cache.path });
        const [, cpu, memory] = r.stdout.trim().split(/\s+/);
        return r.code === 0 && parseInt(cpu, 10) >= 200 && { cpu, memory };
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'kubectl top pod showing the spinning container' },
    );
    expect(row.memory).toMatch(/^\d+Mi$/);
    await c.ok(['delete', 'pod', name, '--wait=false']);
  });

  describe.each(kubectlBinaries().map((bin) => [kubectlVersion(bin), bin]))('with kubectl %s', (_version, bin) => {
    beforeAll(() => useKubectl(bin));

    it('attaches to a container\'s own stdin and terminal with attach -it', async () => {
      const name = randomName('shell');
      await c.ok(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'sh', image: 'busybox', command: ['sh'], stdin: true, tty: true }] },
      }));
      await eventually(async () => (await c.json(['get', 'pod', name])).status?.phase === 'Running', { timeoutMs: 60_000, what: 'the shell running' });
      const line = [bin, '--kubeconfig', c.kubeconfig, '--cache-dir', cache.path, 'attach', '-it', name].map(shellQuote).join(' ');
      const r = await runOnTerminal(`stty rows 30 cols 100; exec ${line}`, 'echo attached-$((40+2)) $(hostname)\nexit 0\n');
      expect(r.output).toContain(`attached-42 ${name}`);
      await eventually(async () => (await c.json(['get', 'pod', name])).status?.phase === 'Succeeded', { timeoutMs: 30_000, what: 'the shell ending after exit' });
      await c.ok(['delete', 'pod', name, '--wait=false']);
    });

    it('follows a container\'s log with logs -f', async () => {
      const name = randomName('ticker');
      await c.ok(['run', name, '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done']);
      await eventually(async () => (await c.json(['get', 'pod', name])).status?.phase === 'Running', { timeoutMs: 90_000, what: 'the ticker running' });
      const follow = kubectlBackground(c.kubeconfig, ['logs', '-f', name], cache.path);
      try {
        const seen = await eventually(() => /tick (\d+)\n[\s\S]*tick \d+\n[\s\S]*tick \d+\n/.exec(follow.output()), { timeoutMs: 30_000, what: 'three followed lines' });
        const first = Number(/tick (\d+)/.exec(seen[0])![1]);
        await eventually(() => follow.output().includes(`tick ${first + 5}\n`), { timeoutMs: 30_000, what: 'lines written after the follow began' });
      } finally {
        follow.stop();
        await c.ok(['delete', 'pod', name, '--wait=false']);
      }
    });

    it('gives exec -it a terminal in the container, with the command\'s exit code', async () => {
      const [pod] = await readyPods(c, app, 3);
      const line = [bin, '--kubeconfig', c.kubeconfig, '--cache-dir', cache.path, 'exec', '-it', pod.metadata.name, '--', 'sh'].map(shellQuote).join(' ');
      const r = await runOnTerminal(`stty rows 30 cols 100; exec ${line}`, 'stty size\necho in-$(hostname)\nexit 4\n');
      expect(r.code).toBe(4);
      expect(r.output).toContain('30 100\r\n');
      expect(r.output).toContain(`in-${pod.metadata.name}\r\n`);
    });

    it('copies a file into the container and back with kubectl cp', async () => {
      const [pod] = await readyPods(c, app, 3);
      const files = makeTmpDir('kubectl-cp-');
      try {
        const content = `payload ${randomName('cp')}\n`;
        writeFileSync(join(files.path, 'in.txt'), content);
        await c.ok(['cp', join(files.path, 'in.txt'), `${pod.metadata.name}:/tmp/copied.txt`]);
        expect(await c.ok(['exec', pod.metadata.name, '--', 'cat', '/tmp/copied.txt'])).toBe(content);
        await c.ok(['cp', `${pod.metadata.name}:/tmp/copied.txt`, join(files.path, 'back.txt')]);
        expect(readFileSync(join(files.path, 'back.txt'), 'utf8')).toBe(content);
      } finally {
        files.remove();
      }
    });

    it('forwards a local port to the container with port-forward', async () => {
      const [pod] = await readyPods(c, app, 3);
      const forward = kubectlBackground(c.kubeconfig, ['port-forward', pod.metadata.name, ':8080'], cache.path);
      try {
        const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(forward.output())?.[1], { timeoutMs: 30_000, what: 'port-forward listening' });
        expect((await fetchText(`http://127.0.0.1:${port}/`)).trim()).toBe(pod.metadata.name);
      } finally {
        forward.stop();
      }
    });
  });
});
