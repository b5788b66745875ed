import { distributedPlan, portsNeeded, type DistributedPlanOptions } from './distributed-plan';

const base: Omit<DistributedPlanOptions, 'ports'> = {
  dataDir: '/data',
  host: '127.0.0.1',
  port: 6443,
  bus: 'kafka://127.0.0.1:9092',
  topicPrefix: 'p.',
  schedulers: 2,
  controllerManagers: 2,
  nodeAgents: 2,
  nodeNamePrefix: 'box',
  proxy: true,
  hollowNodes: 0,
  logLevel: 'info',
};
const plan = (o: Partial<DistributedPlanOptions> = {}) => {
  const shape = { ...base, ...o };
  return distributedPlan({ ...shape, ports: Array.from({ length: portsNeeded(shape) }, (_, i) => 20_000 + i) });
};

describe('distributedPlan', () => {
  it('runs the API server, the relay, 2 schedulers, 2 controller managers, 2 node agents and the proxy, in that order', () => {
    expect(plan().map((s) => s.name)).toEqual(['apiserver', 'relay', 'scheduler-1', 'scheduler-2', 'controller-manager-1', 'controller-manager-2', 'node-agent-1', 'node-agent-2', 'proxy']);
  });

  it('gives every process its own health port, and each node agent its node name, read-only port, state dir and pod range', () => {
    const specs = plan({ hollowNodes: 10 });
    const ports = specs.map((s) => s.env.LOGBOOK_HEALTH_PORT);
    expect(new Set(ports).size).toBe(specs.length);
    const agents = specs.filter((s) => s.name.startsWith('node-agent-'));
    expect(agents.map((a) => a.args.join(' '))).toEqual([
      `--node-name box-1 --port ${agents[0].env.LOGBOOK_HEALTH_PORT} --state-dir /data/nodes/box-1 --pod-cidr 127.2.0.0/16`,
      `--node-name box-2 --port ${agents[1].env.LOGBOOK_HEALTH_PORT} --state-dir /data/nodes/box-2 --pod-cidr 127.3.0.0/16`,
    ]);
    expect(agents.map((a) => a.identity)).toEqual(['system:node:box-1', 'system:node:box-2']);
    const hollow = specs.find((s) => s.name === 'hollow-nodes')!;
    expect(hollow.args).toEqual(['--hollow', '--nodes', '10', '--node-name', 'hollow', '--port', hollow.env.LOGBOOK_HEALTH_PORT]);
  });

  it('points every client at the API server, the bus and the CA, with the topic prefix', () => {
    const scheduler = plan().find((s) => s.name === 'scheduler-1')!;
    expect(scheduler.env).toMatchObject({ LOGBOOK_API: 'https://127.0.0.1:6443', LOGBOOK_BUS: 'kafka://127.0.0.1:9092', LOGBOOK_CA_FILE: '/data/pki/ca.crt', LOGBOOK_TOPIC_PREFIX: 'p.' });
    expect(scheduler.identity).toBe('system:kube-scheduler');
    expect(scheduler.readyUrl).toBe(`http://127.0.0.1:${scheduler.env.LOGBOOK_HEALTH_PORT}/readyz`);
  });

  it('says where each process serves /metrics: its health port, the API server its API port', () => {
    const specs = plan();
    for (const s of specs.slice(1)) expect(s.metricsUrl).toBe(`http://127.0.0.1:${s.healthPort}/metrics`);
    expect(specs.map((s) => String(s.healthPort))).toEqual(specs.map((s) => s.env.LOGBOOK_HEALTH_PORT));
    expect(specs[0].metricsUrl).toBe('https://127.0.0.1:6443/metrics');
  });

  it('lets the API server empty deleted namespaces only when no controller manager runs', () => {
    expect(plan().find((s) => s.name === 'apiserver')!.env.LOGBOOK_FINALIZE_NAMESPACES).toBe('false');
    expect(plan({ controllerManagers: 0 }).find((s) => s.name === 'apiserver')!.env.LOGBOOK_FINALIZE_NAMESPACES).toBe('true');
  });

  it('leaves out the proxy and the agents when asked', () => {
    expect(plan({ nodeAgents: 0, proxy: false, schedulers: 1, controllerManagers: 1 }).map((s) => s.name)).toEqual(['apiserver', 'relay', 'scheduler-1', 'controller-manager-1']);
  });
});
