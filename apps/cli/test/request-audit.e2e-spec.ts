import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { addToken, eventually, kubectl, kubectlBackground, makeTmpDir, randomName, runLogbook, startLogbook, type LogbookProcess } from '@logbook/testing';

/**
 * `logbook up --audit-policy-file --audit-log-path`: every request kubectl makes, refused ones
 * included, is a line of the audit file that parses as an audit.k8s.io/v1 Event at the level the
 * policy gives it; Secret values never reach the file; refused requests write nothing to the log.
 */
describe('request audit (kube audit.k8s.io/v1 policy and log)', () => {
  const dir = makeTmpDir();
  const cache = makeTmpDir('kubectl-cache-');
  const auditPath = join(dir.path, 'audit', 'audit.log');
  const forced = randomName('forced');
  let cluster: LogbookProcess;

  beforeAll(async () => {
    const policy = join(dir.path, 'audit-policy.yaml');
    writeFileSync(
      policy,
      stringify({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Policy',
        omitStages: ['RequestReceived'],
        rules: [
          { level: 'None', nonResourceURLs: ['/healthz*', '/readyz*', '/livez*', '/version', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'] },
          // Asks for more than Metadata on one Secret: the server records Metadata all the same.
          { level: 'RequestResponse', resources: [{ group: '', resources: ['secrets'], resourceNames: [forced] }] },
          { level: 'Metadata', resources: [{ group: '', resources: ['secrets'] }] },
          { level: 'RequestResponse', resources: [{ group: '', resources: ['pods'] }] },
          { level: 'Request', resources: [{ group: '', resources: ['configmaps'] }] },
          { level: 'Metadata' },
        ],
      }),
    );
    cluster = await startLogbook(dir.path, ['--audit-policy-file', policy, '--audit-log-path', auditPath]);
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  const events = (): any[] =>
    existsSync(auditPath)
      ? readFileSync(auditPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];

  /** The audit events of kubectl's requests that `match`, once some arrived (the components' own writes are in the file too). */
  const eventsFor = (match: (e: any) => boolean, what: string) =>
    eventually(() => {
      const found = events().filter((e) => e.userAgent?.startsWith('kubectl') && match(e));
      return found.length ? found : undefined;
    }, { what, timeoutMs: 10_000 });

  /** A kubeconfig like the admin's with another bearer token. */
  function kubeconfigWithToken(token: string): string {
    const config = parse(readFileSync(cluster.kubeconfig, 'utf8'));
    config.users[0].user.token = token;
    const path = join(dir.path, `kubeconfig-${randomName('user')}`);
    writeFileSync(path, stringify(config));
    return path;
  }

  const run = async (kubeconfig: string, args: string[], input?: string) => kubectl(kubeconfig, args, { cacheDir: cache.path, ...(input ? { input } : {}) });

  function expectEvent(e: any): void {
    expect(e).toMatchObject({ kind: 'Event', apiVersion: 'audit.k8s.io/v1' });
    expect(['Metadata', 'Request', 'RequestResponse']).toContain(e.level);
    expect(e.auditID).toMatch(/^[0-9a-f-]{36}$/);
    expect(['ResponseStarted', 'ResponseComplete']).toContain(e.stage);
    expect(typeof e.requestURI).toBe('string');
    expect(e.sourceIPs).toContain('127.0.0.1');
    expect(e.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(e.stageTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(e.responseStatus.code).toBeGreaterThanOrEqual(200);
  }

  it('records creates and reads at the policy\'s level: ConfigMaps with their request, pods with request and response', async () => {
    const ns = randomName('audit');
    expect((await run(cluster.kubeconfig, ['create', 'namespace', ns])).code).toBe(0);
    expect((await run(cluster.kubeconfig, ['create', 'configmap', 'settings', '-n', ns, '--from-literal=mode=fast'])).code).toBe(0);
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: { name: web, namespace: ${ns} }\nspec: { containers: [ { name: web, image: busybox, command: ["sleep", "3600"] } ] }\n`;
    expect((await run(cluster.kubeconfig, ['create', '-f', '-'], pod)).code).toBe(0);
    expect((await run(cluster.kubeconfig, ['get', 'pod', 'web', '-n', ns, '-o', 'name'])).stdout.trim()).toBe('pod/web');

    const [nsCreate] = await eventsFor((e) => e.verb === 'create' && e.objectRef?.resource === 'namespaces' && e.objectRef?.name === ns, 'the namespace create');
    expectEvent(nsCreate);
    expect(nsCreate).toMatchObject({ level: 'Metadata', stage: 'ResponseComplete', user: { username: 'admin', groups: expect.arrayContaining(['system:masters']) }, responseStatus: { code: 201 } });
    expect(nsCreate.userAgent).toMatch(/^kubectl/);
    expect(nsCreate.requestObject).toBeUndefined();

    const [cmCreate] = await eventsFor((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps' && e.objectRef?.namespace === ns, 'the configmap create');
    expectEvent(cmCreate);
    expect(cmCreate).toMatchObject({ level: 'Request', requestURI: expect.stringMatching(`^/api/v1/namespaces/${ns}/configmaps`), objectRef: { resource: 'configmaps', namespace: ns, name: 'settings', apiVersion: 'v1' } });
    expect(cmCreate.requestObject).toMatchObject({ kind: 'ConfigMap', data: { mode: 'fast' } });
    expect(cmCreate.responseObject).toBeUndefined();
    expect(cmCreate.annotations).toMatchObject({ 'authorization.k8s.io/decision': 'allow' });

    // The audit ID is the correlationId of the event the request appended.
    const history = await runLogbook(['history', 'configmap/settings', '-n', ns, '--kubeconfig', cluster.kubeconfig, '-o', 'json']);
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)[0]).toMatchObject({ type: 'ConfigMapCreated', correlationId: cmCreate.auditID });

    const [podCreate] = await eventsFor((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && e.objectRef?.namespace === ns, 'the pod create');
    expect(podCreate).toMatchObject({ level: 'RequestResponse', responseStatus: { code: 201 }, requestObject: { kind: 'Pod' }, responseObject: { kind: 'Pod', metadata: { name: 'web', namespace: ns } } });
    const [podGet] = await eventsFor((e) => e.verb === 'get' && e.objectRef?.resource === 'pods' && e.objectRef?.name === 'web' && e.objectRef?.namespace === ns, 'the pod get');
    expect(podGet).toMatchObject({ level: 'RequestResponse', stage: 'ResponseComplete', responseStatus: { code: 200 }, responseObject: { kind: 'Pod' } });

    // The embedded controller manager's own writes (the namespace's default ServiceAccount) are in the file too.
    const inProcess = await eventually(
      () => events().find((e) => e.userAgent === 'logbook/in-process' && e.verb === 'create' && e.objectRef?.resource === 'serviceaccounts' && e.objectRef?.namespace === ns),
      { what: 'the in-process create of the default ServiceAccount', timeoutMs: 10_000 },
    );
    expect(inProcess).toMatchObject({ level: 'Metadata', stage: 'ResponseComplete', user: { username: 'system:kube-controller-manager' }, objectRef: { name: 'default' }, responseStatus: { code: 201 }, annotations: { 'logbook.io/transport': 'in-process' } });

    // None by path: health and discovery never appear.
    expect(events().some((e) => e.requestURI.startsWith('/readyz') || e.requestURI === '/api' || e.requestURI.startsWith('/apis?') || e.requestURI.startsWith('/api/v1?'))).toBe(false);
  });

  it('records a watch when its response starts and again when it ends', async () => {
    const ns = randomName('audit-watch');
    expect((await run(cluster.kubeconfig, ['create', 'namespace', ns])).code).toBe(0);
    const watch = kubectlBackground(cluster.kubeconfig, ['get', 'configmaps', '-n', ns, '--watch-only'], cache.path);
    try {
      const isWatch = (e: any) => e.verb === 'watch' && e.objectRef?.resource === 'configmaps' && e.objectRef?.namespace === ns;
      const [started] = await eventsFor((e) => isWatch(e) && e.stage === 'ResponseStarted', 'the watch ResponseStarted');
      expect(started).toMatchObject({ level: 'Request', responseStatus: { code: 200 } });
      expect(events().some((e) => isWatch(e) && e.stage === 'ResponseComplete')).toBe(false);
      watch.stop();
      const [complete] = await eventsFor((e) => isWatch(e) && e.stage === 'ResponseComplete', 'the watch ResponseComplete');
      expect(complete.auditID).toBe(started.auditID);
    } finally {
      watch.stop();
    }
  });

  it('never writes a Secret\'s value, whatever level the policy asks for', async () => {
    const ns = randomName('audit-secret');
    const value = randomName('s3cr3t-value');
    expect((await run(cluster.kubeconfig, ['create', 'namespace', ns])).code).toBe(0);
    for (const name of ['plain', forced]) {
      expect((await run(cluster.kubeconfig, ['create', 'secret', 'generic', name, '-n', ns, `--from-literal=password=${value}`])).code).toBe(0);
      expect((await run(cluster.kubeconfig, ['get', 'secret', name, '-n', ns, '-o', 'yaml'])).stdout).toContain(Buffer.from(value).toString('base64'));
    }
    for (const name of ['plain', forced]) {
      const found = await eventsFor((e) => e.objectRef?.resource === 'secrets' && e.objectRef?.namespace === ns && e.objectRef?.name === name && e.verb === 'get', `the get of secret ${name}`);
      expect(found[0]).toMatchObject({ level: 'Metadata', responseStatus: { code: 200 } });
      const [create] = await eventsFor((e) => e.objectRef?.resource === 'secrets' && e.objectRef?.namespace === ns && e.objectRef?.name === name && e.verb === 'create', `the create of secret ${name}`);
      expect(create.level).toBe('Metadata');
      expect(create.requestObject).toBeUndefined();
      expect(create.responseObject).toBeUndefined();
    }
    const text = readFileSync(auditPath, 'utf8');
    expect(text).not.toContain(value);
    expect(text).not.toContain(Buffer.from(value).toString('base64'));
  });

  it('records refused requests — 401 without a user, 403 with the decision — and they append nothing to the log', async () => {
    const ns = randomName('audit-refused');
    expect((await run(cluster.kubeconfig, ['create', 'namespace', ns])).code).toBe(0);

    const badToken = kubeconfigWithToken(randomName('not-a-token'));
    const denied = await run(badToken, ['get', 'configmaps', '-n', ns]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Unauthorized|must be logged in/);
    const [unauthorized] = await eventsFor((e) => e.responseStatus?.code === 401 && e.objectRef?.namespace === ns, 'the 401');
    expectEvent(unauthorized);
    expect(unauthorized).toMatchObject({ level: 'Request', stage: 'ResponseStarted', user: {}, verb: 'list', objectRef: { resource: 'configmaps', namespace: ns } });

    // A user with a valid token and no role bindings: RBAC refuses.
    const nobody = randomName('nobody');
    const token = randomName('token');
    addToken(dir.path, token, nobody);
    const forbidden = await run(kubeconfigWithToken(token), ['create', 'configmap', 'refused', '-n', ns, '--from-literal=a=b']);
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toContain(`configmaps is forbidden: User "${nobody}" cannot create resource "configmaps" in API group "" in the namespace "${ns}"`);
    const [refused] = await eventsFor((e) => e.responseStatus?.code === 403 && e.user?.username === nobody, 'the 403');
    expectEvent(refused);
    expect(refused).toMatchObject({
      level: 'Request',
      stage: 'ResponseComplete',
      verb: 'create',
      objectRef: { resource: 'configmaps', namespace: ns },
      responseStatus: { status: 'Failure', reason: 'Forbidden', code: 403 },
      annotations: { 'authorization.k8s.io/decision': 'forbid' },
    });

    // The admin as that user (--as): the event names both, and the policy matched on the admin.
    const as = await run(cluster.kubeconfig, ['get', 'configmaps', '-n', ns, '--as', nobody]);
    expect(as.code).not.toBe(0);
    const [impersonated] = await eventsFor((e) => e.responseStatus?.code === 403 && e.impersonatedUser?.username === nobody, 'the impersonated 403');
    expect(impersonated).toMatchObject({ user: { username: 'admin' }, verb: 'list', annotations: { 'authorization.k8s.io/decision': 'forbid' } });

    // Nothing of either reached the log: no event by that user, no history for the refused name.
    const writes = await runLogbook(['audit', '--user', nobody, '-o', 'json', '--kubeconfig', cluster.kubeconfig]);
    expect(writes.code).toBe(0);
    expect(JSON.parse(writes.stdout).items ?? JSON.parse(writes.stdout)).toEqual([]);
    const history = await runLogbook(['history', 'configmap/refused', '-n', ns, '--kubeconfig', cluster.kubeconfig]);
    expect(history.code).toBe(1);
    expect(history.stderr).toContain('no events');
  });
});
