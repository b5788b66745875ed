import type { Command } from 'commander';
import { startEmbeddedCluster, createLogger, stopOnSignals } from '@logbook/cluster';

interface UpOptions {
  dataDir: string;
  port: string;
  host: string;
  snapshotEvery: string;
  bus: string;
  hollowNodes: string;
  hollowNodeCpu: string;
  hollowNodeMemory: string;
  hollowHeartbeat: string;
  nodeGracePeriod: string;
  podEvictionTimeout: string;
  schedulerConfig?: string;
  controllers: boolean;
  topicPrefix: string;
  nodeAgent?: boolean;
  nodeName?: string;
  nodeAgentPort: string;
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the embedded all-in-one cluster (log, projection, API server) in this process')
    .option('--data-dir <dir>', 'where the log, snapshots, certificates, tokens and kubeconfig live', './.logbook')
    .option('--port <port>', 'API server port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--snapshot-every <n>', 'snapshot the projection every N events', '10000')
    .option('--bus <url>', 'where the log is relayed for the components: embedded: (in the data dir) or kafka://127.0.0.1:9092', 'embedded:')
    .option('--hollow-nodes <n>', 'register N hollow nodes that play their pods without processes (demos, tests, benchmarks)', '0')
    .option('--hollow-node-cpu <cpu>', 'CPU of each hollow node', '4')
    .option('--hollow-node-memory <mem>', 'memory of each hollow node', '16Gi')
    .option('--hollow-heartbeat <ms>', 'hollow node heartbeat interval in ms', '10000')
    .option('--node-grace-period <ms>', 'how long a node may be silent before it is NotReady', '40000')
    .option('--pod-eviction-timeout <s>', 'seconds before pods of an unreachable node are evicted (without their own toleration)', '300')
    .option('--scheduler-config <file>', 'scheduler plugins and weights (YAML or JSON)')
    .option('--topic-prefix <prefix>', 'prepended to every topic and consumer group name (several clusters on one Kafka)', '')
    .option('--node-agent', 'run a node agent for this machine: pods run as real processes (state in <data-dir>/node)')
    .option('--node-name <name>', 'the node agent\'s node name (default: the host name)')
    .option('--node-agent-port <port>', 'the node agent\'s read-only port (kubectl logs goes through it)', '10255')
    .option('--no-controllers', 'run only the log, the API server and the relay (no scheduler, no controller manager)')
    .action(async (opts: UpOptions) => {
      const log = createLogger('logbook');
      const cluster = await startEmbeddedCluster({
        dataDir: opts.dataDir,
        host: opts.host,
        port: Number(opts.port),
        snapshotEvery: Number(opts.snapshotEvery),
        bus: opts.bus === 'embedded:' ? undefined : opts.bus,
        components: opts.controllers,
        componentOptions: {
          hollowNodes: Number(opts.hollowNodes),
          hollowNodeCpu: opts.hollowNodeCpu,
          hollowNodeMemory: opts.hollowNodeMemory,
          hollowHeartbeatMs: Number(opts.hollowHeartbeat),
          nodeGracePeriodMs: Number(opts.nodeGracePeriod),
          defaultEvictionSeconds: Number(opts.podEvictionTimeout),
          schedulerConfig: opts.schedulerConfig,
          topicPrefix: opts.topicPrefix,
        },
        nodeAgent: opts.nodeAgent ? { nodeName: opts.nodeName, port: Number(opts.nodeAgentPort) } : undefined,
        logger: log,
      });
      process.stdout.write(`Logbook is up at ${cluster.url}\nUse it with: export KUBECONFIG=${cluster.kubeconfig}\n`);
      stopOnSignals(log, () => cluster.close());
    });
}
