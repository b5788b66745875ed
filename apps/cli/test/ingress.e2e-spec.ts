import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import type { KubeObject } from '@logbook/kube';
import { eventually, kubectl, kubectlBinaries, makeTmpDir, randomName, runLogbook, startLogbook, useKubectl, type LogbookProcess } from '@logbook/testing';
import { httpServerDeployment, httpService, podsRunningAndReady, randomPort } from '../../../libs/cluster/src/acceptance/workload-kit';

jest.setTimeout(240_000);

const versionOf = (bin: string) => /v1\.\d+/.exec(execFileSync(bin, ['version', '--client'], { encoding: 'utf8' }))?.[0] ?? bin;

/** One GET through the ingress listener with the given Host header, on a fresh connection. */
function get(address: string, host: string, path: string): Promise<{ code: number; body: string }> {
  const [ip, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((ok, fail) => {
    const req = request({ host: ip, port, path, headers: { host }, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ code: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout ${address}`)));
    req.on('error', fail);
    req.end();
  });
}

/**
 * Ingress end to end: `logbook up` runs the ingress controller in its service proxy; kubectl
 * creates and updates an Ingress in front of two Deployments of the fixture HTTP server.
 */
describe.each(kubectlBinaries().map((bin) => [versionOf(bin), bin]))('Ingress with kubectl %s against logbook up', (_version, bin) => {
  const dir = makeTmpDir('logbook-ingress-');
  const cache = makeTmpDir('kubectl-cache-');
  const a = randomName('ing-a');
  const b = randomName('ing-b');
  const ing = randomName('web');
  let cluster: LogbookProcess;
  let address = '';

  const run = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { input, cacheDir: cache.path });
  const k = async (args: string[], input?: string) => {
    const r = await run(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const pods = (app: string) => async (): Promise<KubeObject[]> => JSON.parse(await k(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])).items;
  const answer = (host: string, path: string, want: (r: { code: number; body: string }) => boolean, what: string) =>
    eventually(async () => want(await get(address, host, path)), { timeoutMs: 30_000, what });

  beforeAll(async () => {
    useKubectl(bin);
    cluster = await startLogbook(dir.path, ['--node-agent', '--node-agent-port', '0', '--ingress-address', '127.0.0.1:0']);
  });

  afterAll(async () => {
    await runLogbook(['down', '--data-dir', dir.path]);
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  it('kubectl create ingress routes a.example/ to one Service and /api to the other; get ingress shows the address', async () => {
    const [portA, portB] = [randomPort(), randomPort()];
    const items = [httpServerDeployment(a, portA, { replicas: 2 }), httpService(a, portA), httpServerDeployment(b, portB, { replicas: 1 }), httpService(b, portB)];
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    // No --class: the API server names the default `logbook` IngressClass (created by the proxy at start), as kube's admission does.
    await k(['create', 'ingress', ing, `--rule=a.example/*=${a}:80`, `--rule=/api*=${b}:80`]);
    expect(JSON.parse(await k(['get', 'ingressclass', 'logbook', '-o', 'json'])).spec.controller).toBe('logbook.io/ingress');
    expect(JSON.parse(await k(['get', 'ing', ing, '-o', 'json'])).spec.ingressClassName).toBe('logbook');

    const lb = await eventually(async () => JSON.parse(await k(['get', 'ing', ing, '-o', 'json'])).status?.loadBalancer?.ingress?.[0], { timeoutMs: 30_000, what: 'the Ingress status' });
    expect(lb.ip).toBe('127.0.0.1');
    address = `${lb.ip}:${lb.ports[0].port}`;
    const table = await k(['get', 'ingress', ing]);
    expect(table).toMatch(/NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE/);
    expect(table).toMatch(new RegExp(`${ing}\\s+logbook\\s+a\\.example,\\*\\s+127\\.0\\.0\\.1\\s+${lb.ports[0].port}\\s`));

    const [podsA, podsB] = [await podsRunningAndReady(pods(a), 2, { timeoutMs: 60_000 }), await podsRunningAndReady(pods(b), 1, { timeoutMs: 60_000 })];
    await answer('a.example', '/', (r) => r.code === 200 && r.body.startsWith(`hello from ${a}-`), `a.example/ answered by ${a}`);
    // Round-robin over both ready pods of a.
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add((await get(address, 'a.example:80', '/anything')).body);
    expect([...seen].sort()).toEqual(podsA.map((p) => `hello from ${p.metadata.name} at ${p.status.podIP}\n`).sort());
    // Any host: /api and below go to b; / does not match anything (404).
    expect(await get(address, 'other.example', '/api/users')).toEqual({ code: 200, body: `hello from ${podsB[0].metadata.name} at ${podsB[0].status.podIP}\n` });
    expect((await get(address, 'other.example', '/apis')).code).toBe(404);
    expect((await get(address, 'other.example', '/')).code).toBe(404);
    // What the backend sees: the forwarded-for headers.
    const headers = JSON.parse((await get(address, 'a.example', '/headers')).body);
    expect(headers).toMatchObject({ host: 'a.example', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'a.example' });
    // describe reads Endpoints (1.20) or EndpointSlices (1.32): both list the ready pods.
    const endpointsLine = await eventually(async () => {
      const line = /^Endpoints:\s*(.*)$/m.exec(await k(['describe', 'service', a]))?.[1] ?? '';
      return line.split(',').filter(Boolean).length === 2 && line;
    }, { what: `describe service ${a} listing its two pods` });
    expect(endpointsLine.split(',').sort()).toEqual(podsA.map((p) => `${p.status.podIP}:${portA}`).sort());
  });

  it('kubectl apply of a changed Ingress re-routes without a restart', async () => {
    const manifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: ing, namespace: 'default' },
      spec: {
        ingressClassName: 'logbook',
        rules: [
          { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: b, port: { number: 80 } } } }] } },
          { http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: b, port: { number: 80 } } } }] } },
        ],
      },
    };
    await k(['apply', '-f', '-'], JSON.stringify(manifest));
    await answer('a.example', '/', (r) => r.code === 200 && r.body.startsWith(`hello from ${b}-`), `a.example/ re-routed to ${b}`);
    expect(await k(['get', 'ing', ing])).toMatch(new RegExp(`${ing}\\s+logbook\\s+a\\.example,\\*\\s+127\\.0\\.0\\.1`));
  });

  it('a deleted Service gives 503', async () => {
    await k(['delete', 'service', b]);
    await answer('other.example', '/api', (r) => r.code === 503, 'a 503 once the Service is gone');
    expect((await get(address, 'a.example', '/')).body).toContain(`service default/${b} port 80`);
  });

  it('refuses an invalid Ingress with 422 and kube field paths, and stores nothing', async () => {
    const bad = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `${ing}-bad`, namespace: 'default' },
      spec: { rules: [{ host: '*.a.*', http: { paths: [{ path: 'api', backend: { service: { name: a, port: {} } } }] } }] },
    };
    const r = await run(['apply', '--validate=false', '-f', '-'], JSON.stringify(bad));
    expect(r.code).not.toBe(0);
    // kubectl renders a 422 Invalid Status from its details: `The <Kind> "<name>" is invalid:` and one line per cause.
    expect(r.stderr).toContain(`The Ingress "${ing}-bad" is invalid:`);
    expect(r.stderr).toContain('spec.rules[0].host: Invalid value: "*.a.*"');
    expect(r.stderr).toContain('spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified');
    expect(r.stderr).toContain('spec.rules[0].http.paths[0].backend.service.port: Required value: port name or number is required');
    expect((await run(['get', 'ing', `${ing}-bad`])).code).not.toBe(0);
  });
});
