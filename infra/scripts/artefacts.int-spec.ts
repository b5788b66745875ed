import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DCLinter } from 'dclint';
import { parseTokenFile } from '@logbook/apiserver';
import { eventually, kubectlBinaries } from '@logbook/testing';
import {
  HEALTH_PORTS,
  NEEDS_TOKEN,
  ROOT,
  appsOnDisk,
  composeEnv,
  containerEnv,
  entrypointComponents,
  expandedVariables,
  k8sObjects,
  loadCompose,
  missingVariables,
  parseManifests,
  podSpecOf,
  read,
  selectorProblems,
  serviceProblems,
  unreadVariables,
  yamlFilesUnder,
} from './artefacts.test-kit';
import { dockerfileProblems, initialArg } from './dockerfile.test-kit';

/**
 * The deployment artefacts (infra/docker, infra/compose, infra/k8s) checked without a container
 * engine, which this machine does not have: schemas, linters, and cross-checks against the code
 * they deploy — read at test time, so they follow the apps as those change. docs/deployment.md
 * says what remains to be tried on a Docker or Kubernetes machine.
 */
const PACKAGE = JSON.parse(read('package.json'));
const IMAGE = `logbook:${PACKAGE.version}`;
const NODE = process.execPath;
const withProjectNode = { ...process.env, PATH: `${dirname(NODE)}:${process.env.PATH}` };

const DCLINT_RULES = {
  'no-build-and-image': [2, { checkPullPolicy: true }],
  'no-duplicate-container-names': 2,
  'no-duplicate-exported-ports': 2,
  'no-quotes-in-volumes': 2,
  'no-unbound-port-interfaces': 2,
  'no-version-field': 2,
  'require-project-name-field': 2,
  'require-quotes-in-ports': [2, { quoteType: 'double' }],
  'service-container-name-regex': 2,
  'service-image-require-explicit-tag': 2,
  // Ordering rules: the file is ordered by start-up, not alphabetically.
  'service-dependencies-alphabetical-order': 0,
  'service-keys-order': 0,
  'service-ports-alphabetical-order': 0,
  'services-alphabetical-order': 0,
  'top-level-properties-order': 0,
} as const;

/** Replicas of each scalable component, the same in the compose file and the manifests. */
const EXPECTED_REPLICAS = { apiserver: 1, relay: 1, scheduler: 2, 'controller-manager': 2, 'node-agent': 2, proxy: 2 };

/** Every component on disk (apps/, but the CLI) with the replicas `replicasOf` counts for it. */
function replicasPerComponent(replicasOf: (component: string) => number): Record<string, number> {
  return Object.fromEntries(appsOnDisk().filter((a) => a !== 'cli').map((a) => [a, replicasOf(a)]));
}

function lintCompose(path: string): string[] {
  const linter = new DCLinter({ rules: DCLINT_RULES as any, quiet: false, debug: false, exclude: [] });
  return linter.lintFiles([path], false).flatMap((r) => r.messages.map((m) => `${m.rule}: ${m.message} (line ${m.line})`));
}

/** Runs infra/scripts/validate-manifests.mjs (an ES module: kubernetes-models ships no CommonJS). */
function validateManifests(files: string[]): Array<{ file: string; kind?: string; name?: string; errors: string[] }> {
  const result = spawnSync(NODE, [join(ROOT, 'infra/scripts/validate-manifests.mjs'), ...files], { cwd: ROOT, encoding: 'utf8' });
  if (!result.stdout.trim()) throw new Error(`validate-manifests printed nothing: ${result.stderr}`);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logbook-artefacts-'));
}

describe('deployment artefacts', () => {
  describe('the Dockerfile', () => {
    const dockerfile = read('infra/docker/Dockerfile');
    const context = { root: ROOT, dockerignore: read('.dockerignore') };

    it('passes the linter and the structural rules: pinned bases, non-root USER, exec ENTRYPOINT, HEALTHCHECK, COPY sources in the context', () => {
      expect(dockerfileProblems(dockerfile, context)).toEqual([]);
    });

    it('rejects a Dockerfile that runs as root from an unpinned base, copies an ignored file and has no HEALTHCHECK', () => {
      const bad = 'FROM node:24\nCOPY node_modules ./node_modules\nEXPOSE abc\nUSER root\nENTRYPOINT node main.js\n';
      const problems = dockerfileProblems(bad, context).join('\n');
      expect(problems).toMatch(/pin the base image/);
      expect(problems).toMatch(/non-root USER/);
      expect(problems).toMatch(/exec-form/);
      expect(problems).toMatch(/HEALTHCHECK/);
      expect(problems).toMatch(/COPY node_modules/);
      expect(problems).toMatch(/containerPort/i);
    });

    it('builds on the Node version the project builds and tests with', () => {
      expect(initialArg(dockerfile, 'NODE_VERSION')).toBe(String(PACKAGE.devDependencies.node).replace(/^\D+/, ''));
    });

    it('exposes the API port and every health port, and sets only variables a component reads', () => {
      const exposed = [...dockerfile.matchAll(/^EXPOSE (.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/).map(Number));
      expect(exposed.sort((a, b) => a - b)).toEqual(Object.values(HEALTH_PORTS).sort((a, b) => a - b));
      const imageEnv = [...dockerfile.matchAll(/\b(LOGBOOK_[A-Z_]+)=/g)].map((m) => m[1]);
      expect(imageEnv.length).toBeGreaterThan(0);
      const readByNone = imageEnv.filter((name) => appsOnDisk().every((app) => unreadVariables(app, [name]).length > 0));
      expect(readByNone).toEqual([]);
    });
  });

  describe('the entry point and the health check', () => {
    it('offers exactly the apps there are, each built to dist/apps/<name>/src/main.js', () => {
      expect(entrypointComponents().sort()).toEqual(appsOnDisk().sort());
      // `npm test` builds first; a bare jest run on a fresh checkout has no dist/ to look at.
      if (existsSync(join(ROOT, 'dist'))) for (const app of appsOnDisk()) expect(existsSync(join(ROOT, 'dist/apps', app, 'src/main.js'))).toBe(true);
    });

    it('passes the arguments to the component and refuses an unknown one with exit code 64', () => {
      const cli = spawnSync('sh', [join(ROOT, 'infra/docker/entrypoint.sh'), 'cli', '--help'], { env: withProjectNode, encoding: 'utf8' });
      expect({ status: cli.status, stdout: cli.stdout }).toMatchObject({ status: 0, stdout: expect.stringContaining('Usage: logbook') });
      const unknown = spawnSync('sh', [join(ROOT, 'infra/docker/entrypoint.sh'), 'etcd'], { env: withProjectNode, encoding: 'utf8' });
      expect({ status: unknown.status, stderr: unknown.stderr }).toMatchObject({ status: 64, stderr: expect.stringContaining('unknown component "etcd"') });
    });

    it('looks at the conventional health port of each component, the API server over HTTPS', () => {
      const { HEALTH_PORTS: ports, healthUrl } = require(join(ROOT, 'infra/docker/healthcheck.js'));
      expect({ ...ports, apiserver: 6443 }).toEqual(HEALTH_PORTS);
      expect(healthUrl('apiserver', { LOGBOOK_HOST: '0.0.0.0' })).toBe('https://127.0.0.1:6443/healthz');
      expect(healthUrl('scheduler', { LOGBOOK_HEALTH_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:10259/healthz');
      expect(healthUrl('relay', { LOGBOOK_HEALTH_PORT: '9999' })).toBe('http://127.0.0.1:9999/healthz');
      expect(healthUrl('cli', {})).toBeUndefined();
    });

    it('exits 0 when /healthz answers 200, 1 when it answers 503 or nothing listens', async () => {
      let status = 200;
      const server: Server = createServer((_, res) => res.writeHead(status).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
      // Not spawnSync: the server answering lives in this process.
      const check = () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(NODE, [join(ROOT, 'infra/docker/healthcheck.js'), url]);
          let stderr = '';
          child.stderr.on('data', (chunk) => (stderr += chunk));
          child.on('close', (code) => resolve({ code, stderr }));
        });
      try {
        // Retried like Docker retries a check: on a loaded machine one attempt can time out.
        await eventually(async () => (await check()).code === 0, { timeoutMs: 30_000, what: 'a passing check' });
        status = 503;
        expect(await check()).toEqual({ code: 1, stderr: `${url}: HTTP 503\n` });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      expect(await check()).toMatchObject({ code: 1, stderr: expect.stringContaining('ECONNREFUSED') });
    });
  });

  describe('the bootstrap (CA, certificate, tokens) and the processes that use it', () => {
    const compose = loadCompose();
    const bootstrapArgs: string[] = compose.services.bootstrap.command.slice(1);
    let dir: string;
    let apiserver: ChildProcess | undefined;
    let scheduler: ChildProcess | undefined;

    beforeAll(() => {
      dir = tempDir();
      const run = spawnSync(NODE, [join(ROOT, 'infra/docker/bootstrap.js'), ...bootstrapArgs, '--data-dir', join(dir, 'data'), '--credentials', join(dir, 'credentials')], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`bootstrap failed: ${run.stderr}`);
    });

    afterAll(() => {
      scheduler?.kill('SIGKILL');
      apiserver?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it("signs an API server certificate with its CA for the name the compose file's components dial", () => {
      const ca = new X509Certificate(readFileSync(join(dir, 'credentials/ca.crt')));
      const cert = new X509Certificate(readFileSync(join(dir, 'data/pki/apiserver.crt')));
      expect(cert.verify(ca.publicKey)).toBe(true);
      const apiHost = new URL(composeEnv(compose.services.scheduler).LOGBOOK_API).hostname;
      expect(cert.checkHost(apiHost)).toBe(apiHost);
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    });

    it('writes a token file the API server authenticates every identity from, and one file per token', () => {
      const users = parseTokenFile(readFileSync(join(dir, 'data/tokens.csv'), 'utf8'));
      const byName = new Map([...users].map(([token, user]) => [user.name, token]));
      for (const [file, user] of [['admin', 'admin'], ['scheduler', 'system:kube-scheduler'], ['controller-manager', 'system:kube-controller-manager'], ['proxy', 'system:kube-proxy'], ['node-node-1', 'system:node:node-1'], ['node-node-2', 'system:node:node-2']]) {
        expect(readFileSync(join(dir, 'credentials/tokens', file), 'utf8')).toBe(byName.get(user));
      }
    });

    it('keeps what exists when run again', () => {
      const before = readFileSync(join(dir, 'data/tokens.csv'), 'utf8');
      const again = spawnSync(NODE, [join(ROOT, 'infra/docker/bootstrap.js'), ...bootstrapArgs, '--data-dir', join(dir, 'data'), '--credentials', join(dir, 'credentials')], { encoding: 'utf8' });
      expect(again.status).toBe(0);
      expect(readFileSync(join(dir, 'data/tokens.csv'), 'utf8')).toBe(before);
    });

    it('lets a scheduler started through the entry point with LOGBOOK_TOKEN_FILE verify the API server and authenticate; a wrong token is refused', async () => {
      const port = await freePort();
      const entrypoint = join(ROOT, 'infra/docker/entrypoint.sh');
      apiserver = spawn('sh', [entrypoint, 'apiserver'], { env: { ...withProjectNode, LOGBOOK_DATA_DIR: join(dir, 'data'), LOGBOOK_HOST: '127.0.0.1', LOGBOOK_PORT: String(port), LOGBOOK_HEALTH_PORT: '' }, stdio: 'ignore' });
      await eventually(() => spawnSync(NODE, [join(ROOT, 'infra/docker/healthcheck.js'), `https://127.0.0.1:${port}/healthz`]).status === 0, { timeoutMs: 90_000, what: 'the API server answering /healthz' });

      const client = { ...withProjectNode, LOGBOOK_API: `https://localhost:${port}`, LOGBOOK_CA_FILE: join(dir, 'credentials/ca.crt'), LOGBOOK_BUS: `embedded:${join(dir, 'bus')}`, LOGBOOK_HEALTH_PORT: '0' };
      let log = '';
      scheduler = spawn('sh', [entrypoint, 'scheduler'], { env: { ...client, LOGBOOK_TOKEN_FILE: join(dir, 'credentials/tokens/scheduler') } });
      scheduler.stdout!.on('data', (chunk) => (log += chunk));
      scheduler.stderr!.on('data', (chunk) => (log += chunk));
      await eventually(
        () => {
          if (!log.includes('scheduler running')) throw new Error(`no "scheduler running" in its log yet: ${log.slice(-2000)}`);
          return true;
        },
        { timeoutMs: 90_000 },
      );

      const refused = spawnSync('sh', [entrypoint, 'scheduler'], { env: { ...client, LOGBOOK_TOKEN: 'not-a-token' }, encoding: 'utf8', timeout: 90_000 });
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toContain('Unauthorized');
    }, 300_000);
  });

  describe('the compose file', () => {
    const compose = loadCompose();
    const services: Record<string, any> = compose.services;
    const logbookServices = Object.entries(services).filter(([, s]) => s.image === IMAGE);
    const componentOf = (service: any): string => service.command[0];

    it('is valid against the Compose Specification schema and passes dclint', () => {
      expect(lintCompose(join(ROOT, 'infra/compose/compose.yaml'))).toEqual([]);
    });

    it('rejects a service with a field the specification does not have', () => {
      const dir = tempDir();
      try {
        const broken = read('infra/compose/compose.yaml').replace('    command: [relay]\n', '    command: [relay]\n    replica: 2\n');
        writeFileSync(join(dir, 'compose.yaml'), broken);
        expect(lintCompose(join(dir, 'compose.yaml')).join('\n')).toMatch(/invalid-schema.*services\/relay.*additional properties/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('runs Kafka, EventStoreDB and every component, two schedulers, two controller managers and two node agents each with its proxy', () => {
      expect(services.kafka.image).toBe('apache/kafka:3.9.1');
      expect(services.eventstore.image).toMatch(/\/eventstore\/eventstore:\d+\.\d+/);
      const replicas = (component: string) =>
        logbookServices.filter(([, s]) => componentOf(s) === component).reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0);
      expect(replicasPerComponent(replicas)).toEqual(EXPECTED_REPLICAS);
      for (const [name, proxy] of logbookServices.filter(([, s]) => componentOf(s) === 'proxy')) {
        const node = proxy.network_mode.replace(/^service:/, '');
        expect({ name, node: composeEnv(services[node]).LOGBOOK_NODE_NAME }).toEqual({ name, node: composeEnv(proxy).LOGBOOK_NODE_NAME });
      }
    });

    it('sets only variables the components read, and every variable each requires', () => {
      const problems = logbookServices
        .filter(([, s]) => componentOf(s) !== 'bootstrap')
        .flatMap(([name, s]) => [
          ...unreadVariables(componentOf(s), Object.keys(composeEnv(s))).map((v) => `${name}: ${v} is read by no one`),
          ...missingVariables(componentOf(s), composeEnv(s)).map((v) => `${name}: ${v} is missing`),
        ]);
      expect(problems).toEqual([]);
      expect(unreadVariables('scheduler', ['LOGBOOK_SHEDULER_CONFIG'])).toEqual(['LOGBOOK_SHEDULER_CONFIG']);
    });

    it('keeps the log on EventStoreDB and the bus on Kafka for every component', () => {
      const values = (name: string) => new Set(logbookServices.map(([, s]) => composeEnv(s)[name]).filter(Boolean));
      expect([...values('LOGBOOK_STORE')]).toEqual(['esdb://eventstore:2113?tls=false']);
      expect([...values('LOGBOOK_BUS')]).toEqual(['kafka://kafka:9092']);
      expect([...values('LOGBOOK_API')]).toEqual(['https://apiserver:6443']);
    });

    it('mounts the credentials volume bootstrap writes wherever a token or CA file is named', () => {
      const mountOf = (service: any, target: string) => (service.volumes ?? []).map(volumeSpec).find((v: any) => v.target === target);
      const credentials = mountOf(services.bootstrap, '/etc/logbook').source;
      expect(mountOf(services.apiserver, '/var/lib/logbook').source).toBe(mountOf(services.bootstrap, '/var/lib/logbook').source);
      const dir = tempDir();
      try {
        spawnSync(NODE, [join(ROOT, 'infra/docker/bootstrap.js'), ...services.bootstrap.command.slice(1), '--data-dir', join(dir, 'data'), '--credentials', join(dir, 'credentials')]);
        for (const [name, service] of logbookServices) {
          for (const variable of ['LOGBOOK_TOKEN_FILE', 'LOGBOOK_CA_FILE']) {
            const path = composeEnv(service)[variable];
            if (!path) continue;
            expect({ name, variable, volume: mountOf(service, '/etc/logbook')?.source }).toEqual({ name, variable, volume: credentials });
            expect({ name, variable, made: existsSync(join(dir, 'credentials', path.replace(/^\/etc\/logbook\//, ''))) }).toEqual({ name, variable, made: true });
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('starts each component after what it needs is healthy, and checks its health on the conventional port', () => {
      for (const [name, service] of Object.entries(services)) {
        for (const [dependency, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
          expect({ name, dependency, exists: dependency in services }).toEqual({ name, dependency, exists: true });
          if (condition === 'service_healthy') expect({ name, dependency, healthcheck: Boolean(services[dependency].healthcheck) }).toEqual({ name, dependency, healthcheck: true });
        }
      }
      for (const [name, service] of logbookServices.filter(([, s]) => s.command[0] !== 'bootstrap')) {
        const component = componentOf(service);
        expect({ name, component, depends: Object.keys(service.depends_on ?? {}).length > 0 }).toEqual({ name, component, depends: true });
        const test: string[] = service.healthcheck.test;
        const explicitUrl = test[3];
        const env = composeEnv(service);
        const configured = component === 'apiserver' ? env.LOGBOOK_PORT : env.LOGBOOK_HEALTH_PORT;
        const port = explicitUrl ? Number(new URL(explicitUrl).port) : Number(configured ?? HEALTH_PORTS[component]);
        expect({ name, port }).toEqual({ name, port: HEALTH_PORTS[component] });
        if (component === 'node-agent') expect(new URL(explicitUrl).hostname).toBe(service.command[service.command.indexOf('--address') + 1]);
      }
    });

    it('builds one Logbook image tagged with the package version', () => {
      expect(logbookServices.filter(([, s]) => s.build).map(([name]) => name)).toEqual(['bootstrap']);
      expect(services.bootstrap.build.dockerfile).toBe('infra/docker/Dockerfile');
      const otherImages = Object.values(services).filter((s: any) => s.image !== IMAGE).map((s: any) => s.image);
      // Third-party images carry at least major.minor (EventStoreDB's LTS line takes its patches).
      expect(otherImages.filter((image: string) => !/:\d+\.\d+/.test(image))).toEqual([]);
    });
  });

  describe('the Kubernetes manifests', () => {
    const objects = k8sObjects();
    const applied = objects.filter(({ file }) => !file.endsWith('secret.template.yaml'));
    const workloads = applied.filter(({ obj }) => podSpecOf(obj));
    const logbookContainers = workloads.flatMap(({ obj }) => podSpecOf(obj).containers.filter((c: any) => c.image === IMAGE).map((c: any) => ({ workload: obj, container: c })));
    let secretsDir: string;
    let generatedSecrets: any[];

    beforeAll(() => {
      secretsDir = tempDir();
      const kubectlDir = dirname(kubectlBinaries()[0]);
      const run = spawnSync('bash', [join(ROOT, 'infra/k8s/bootstrap.sh'), '--out', secretsDir, '--dry-run'], {
        env: { ...withProjectNode, PATH: `${withProjectNode.PATH}:${kubectlDir}` },
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`infra/k8s/bootstrap.sh --dry-run failed: ${run.stderr}`);
      generatedSecrets = parseManifests(run.stdout);
    });

    afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));


    it('every object is valid against the Kubernetes schema of its kind and has no unknown field', () => {
      const results = validateManifests(yamlFilesUnder('infra/k8s').filter((f) => !f.endsWith('kustomization.yaml')));
      expect(results.length).toBe(objects.length);
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    });

    it('rejects a manifest with a field of the wrong type and a field Kubernetes does not know', () => {
      const dir = tempDir();
      try {
        const broken = read('infra/k8s/scheduler.yaml').replace('containerPort: 10259', 'containerPort: "10259x"').replace('          image: logbook', '          imageName: logbook');
        writeFileSync(join(dir, 'broken.yaml'), broken);
        const [deployment] = validateManifests([join(dir, 'broken.yaml')]);
        expect(deployment.errors.join('\n')).toMatch(/containerPort: must be integer/);
        expect(deployment.errors.join('\n')).toMatch(/containers\[0\]\.imageName: unknown field/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('kustomization.yaml lists every manifest but the Secret template, and kubectl kustomize renders valid objects', () => {
      const kustomization = parseManifests(read('infra/k8s/kustomization.yaml'))[0];
      const listed = kustomization.resources.map((r: string) => `infra/k8s/${r}`).sort();
      const manifests = yamlFilesUnder('infra/k8s').filter((f) => !/kustomization\.yaml$|secret\.template\.yaml$/.test(f)).sort();
      expect(listed).toEqual(manifests);
      expect(kustomization.images).toEqual([{ name: 'logbook', newTag: PACKAGE.version }]);

      const rendered = spawnSync(kubectlBinaries()[0], ['kustomize', join(ROOT, 'infra/k8s')], { encoding: 'utf8' });
      expect({ status: rendered.status, stderr: rendered.stderr }).toEqual({ status: 0, stderr: '' });
      const dir = tempDir();
      try {
        writeFileSync(join(dir, 'rendered.yaml'), rendered.stdout);
        const results = validateManifests([join(dir, 'rendered.yaml')]);
        expect(results.length).toBe(applied.length);
        expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('runs a workload per component: two schedulers, two controller managers, node agents with their proxies in a StatefulSet', () => {
      const replicasOf = (component: string) =>
        logbookContainers.filter(({ container }) => container.args[0] === component).reduce((n, { workload }) => n + (workload.spec.replicas ?? 1), 0);
      expect(replicasPerComponent(replicasOf)).toEqual(EXPECTED_REPLICAS);
      const node = workloads.find(({ obj }) => podSpecOf(obj).containers.some((c: any) => c.args?.[0] === 'node-agent'))!.obj;
      expect(node.kind).toBe('StatefulSet');
      expect(podSpecOf(node).containers.map((c: any) => c.args[0]).sort()).toEqual(['node-agent', 'proxy']);
    });

    it('selectors match their pod labels and every Service port targets a container port', () => {
      expect([...selectorProblems(applied), ...serviceProblems(applied)]).toEqual([]);
      const broken = applied.map(({ file, obj }) => ({ file, obj: obj.kind === 'Service' && obj.metadata.name === 'logbook-scheduler' ? { ...obj, spec: { ...obj.spec, ports: [{ name: 'metrics', port: 10259, targetPort: 'metrix' }] } } : obj }));
      expect(serviceProblems(broken)).toEqual(['Service logbook-scheduler: targetPort metrix is no container port of the pods it selects']);
    });

    it('probes /healthz and /readyz on the conventional ports (the API server /livez and /readyz over HTTPS); every container has requests, limits and a non-root user', () => {
      for (const { workload, container } of logbookContainers) {
        const component = container.args[0];
        const portNumber = (probe: any) => {
          const port = probe.httpGet.port;
          return typeof port === 'number' ? port : container.ports.find((p: any) => p.name === port)?.containerPort;
        };
        const liveness = component === 'apiserver' ? '/livez' : '/healthz';
        expect({ component, path: container.livenessProbe.httpGet.path, port: portNumber(container.livenessProbe) }).toEqual({ component, path: liveness, port: HEALTH_PORTS[component] });
        expect({ component, path: container.readinessProbe.httpGet.path, port: portNumber(container.readinessProbe) }).toEqual({ component, path: '/readyz', port: HEALTH_PORTS[component] });
        if (component === 'apiserver') expect(container.readinessProbe.httpGet.scheme).toBe('HTTPS');
        expect({ component, requests: container.resources?.requests, limits: container.resources?.limits }).toEqual({
          component,
          requests: { cpu: expect.anything(), memory: expect.anything() },
          limits: { cpu: expect.anything(), memory: expect.anything() },
        });
        const pod = podSpecOf(workload).securityContext ?? {};
        expect({ component, nonRoot: pod.runAsNonRoot === true && pod.runAsUser !== 0, escalation: container.securityContext?.allowPrivilegeEscalation }).toEqual({ component, nonRoot: true, escalation: false });
      }
    });

    it('sets only variables the components read, and every variable each requires', () => {
      const problems = logbookContainers.flatMap(({ container }) => {
        const component = container.args[0];
        const explicit = (container.env ?? []).map((v: any) => v.name);
        const env = containerEnv(container, applied);
        return [
          ...unreadVariables(component, explicit, expandedVariables(container)).map((v) => `${component}: ${v} is read by no one`),
          ...missingVariables(component, env).map((v) => `${component}: ${v} is missing`),
        ];
      });
      expect(problems).toEqual([]);
      // A ConfigMap taken whole by several components: each key is read by at least one of them.
      const configMap = applied.find(({ obj }) => obj.kind === 'ConfigMap')!.obj;
      const consumers = logbookContainers.filter(({ container }) => container.envFrom?.some((f: any) => f.configMapRef?.name === configMap.metadata.name)).map(({ container }) => container.args[0]);
      const unread = Object.keys(configMap.data).filter((key) => consumers.every((c) => unreadVariables(c, [key]).length > 0));
      expect(unread).toEqual([]);
    });

    it('bootstrap.sh makes the Secrets of the template, with the same keys, valid for Kubernetes', () => {
      const template = objects.filter(({ file }) => file.endsWith('secret.template.yaml')).map(({ obj }) => obj);
      expect(template.map((s) => ({ name: s.metadata.name, keys: Object.keys(s.stringData).sort() }))).toEqual(
        generatedSecrets.map((s) => ({ name: s.metadata.name, keys: Object.keys(s.data).sort() })),
      );
      const results = validateManifests([join(secretsDir, 'secrets.yaml')]);
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      const apiHost = new URL(applied.find(({ obj }) => obj.kind === 'ConfigMap')!.obj.data.LOGBOOK_API).hostname;
      expect(new X509Certificate(readFileSync(join(secretsDir, 'apiserver/pki/apiserver.crt'))).checkHost(apiHost)).toBe(apiHost);
    });

    it('mounts every Secret key a token or CA path names, each made by bootstrap.sh', () => {
      const keysOf = (name: string) => Object.keys(generatedSecrets.find((s) => s.metadata.name === name)?.data ?? {});
      const problems: string[] = [];
      for (const { workload, container } of logbookContainers.filter(({ container }) => NEEDS_TOKEN.has(container.args[0]))) {
        const volumes = new Map<string, any>(podSpecOf(workload).volumes?.map((v: any) => [v.name, v]) ?? []);
        const files = new Map<string, { secret: string; key: string }>();
        for (const mount of container.volumeMounts ?? []) {
          const volume = volumes.get(mount.name);
          const sources = volume?.secret ? [{ secret: volume.secret }] : (volume?.projected?.sources ?? []);
          for (const { secret } of sources.filter((s: any) => s.secret)) {
            const name = secret.secretName ?? secret.name;
            const items = secret.items ?? keysOf(name).map((key: string) => ({ key, path: key }));
            for (const item of items) {
              if (!keysOf(name).includes(item.key)) problems.push(`${container.name}: Secret ${name} has no key ${item.key}`);
              const path = mount.subPath ? mount.mountPath : `${mount.mountPath}/${item.path}`;
              if (!mount.subPath || mount.subPath === item.path) files.set(path, { secret: name, key: item.key });
            }
          }
        }
        const env = containerEnv(container, applied);
        for (const variable of ['LOGBOOK_TOKEN_FILE', 'LOGBOOK_CA_FILE']) {
          if (!env[variable]) continue;
          const pattern = new RegExp(`^${env[variable].replace(/[.]/g, '\\.').replace(/\$\([A-Z_]+\)/g, '.+')}$`);
          if (![...files.keys()].some((path) => pattern.test(path))) problems.push(`${container.name}: ${variable}=${env[variable]} is on no mounted Secret`);
        }
      }
      expect(problems).toEqual([]);
      // The node token the pod picks by name exists for every replica of the StatefulSet.
      const node = workloads.find(({ obj }) => obj.kind === 'StatefulSet' && obj.metadata.name === 'logbook-node')!.obj;
      const nodeNames = Array.from({ length: node.spec.replicas }, (_, i) => `node-${node.metadata.name}-${i}`);
      expect(keysOf('logbook-node-tokens').sort()).toEqual(nodeNames.sort());
    });

    it('every namespaced object is in the logbook namespace and the Logbook image tag is the package version', () => {
      expect(applied.filter(({ obj }) => obj.kind !== 'Namespace' && obj.metadata.namespace !== 'logbook').map(({ obj }) => `${obj.kind}/${obj.metadata.name}`)).toEqual([]);
      const images = workloads.flatMap(({ obj }) => podSpecOf(obj).containers.map((c: any) => c.image));
      expect(images.filter((image: string) => image.startsWith('logbook:') && image !== IMAGE)).toEqual([]);
      const compose = loadCompose();
      const backing = (name: string) => images.find((image: string) => image.includes(`${name}:`));
      expect(backing('apache/kafka')).toBe(compose.services.kafka.image);
      expect(backing('eventstore/eventstore')).toBe(compose.services.eventstore.image);
    });
  });
});

/** A compose volume entry in either form: `source:target[:mode]` or `{ type, source, target }`. */
function volumeSpec(entry: any): { source: string; target: string } {
  if (typeof entry !== 'string') return entry;
  const [source, target] = entry.split(':');
  return { source, target };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
