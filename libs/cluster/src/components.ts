import type { EventBus } from '@logbook/bus';
import { type ClusterClient, type ComponentLogger, type Controller, ControllerHost } from '@logbook/components';
import {
  type CronJobClock,
  ClusterRoleAggregationController,
  CronJobController,
  CsrApprovingController,
  CsrSigningController,
  TokenCleaner,
  DaemonSetController,
  DeploymentController,
  DisruptionController,
  EndpointsController,
  EndpointSliceController,
  HorizontalPodAutoscalerController,
  EventTtlController,
  JobController,
  NamespaceController,
  NodeIpamController,
  NodeLifecycleController,
  PersistentVolumeController,
  ReplicaSetController,
  ResourceQuotaController,
  RootCaPublisher,
  ServiceAccountController,
  StatefulSetController,
  garbageCollectors,
} from '@logbook/controllers';
import { DEFAULT_SCHEDULER_CONFIG, SchedulerController, loadSchedulerConfig } from '@logbook/scheduling';
import { HollowNodes, type RunningHollowNodes } from '@logbook/hollow';
import type { Registry } from 'prom-client';
import { type KeyUsage, signCertificateRequest } from '@logbook/apiserver';
import { CONTROLLER_MANAGER_USER, SCHEDULER_USER } from '@logbook/apiserver';

export interface ComponentsOptions {
  /** Node lifecycle: how long a node may be silent before it is NotReady (default 40 s). */
  readonly nodeGracePeriodMs?: number;
  /** Node lifecycle: eviction delay for pods without a toleration (default 300 s). */
  readonly defaultEvictionSeconds?: number;
  /** How often each HorizontalPodAutoscaler is evaluated (default 15 s). */
  readonly hpaSyncPeriodMs?: number;
  /** Kubernetes Events older than this (by lastTimestamp) are deleted (default 1 h, kube-apiserver's --event-ttl). */
  readonly eventTtlMs?: number;
  /** Scheduler plugins and weights (YAML or JSON); the default profile when absent. */
  readonly schedulerConfig?: string;
  /** Hollow nodes to register and play (no processes), for demos, tests and benchmarks. */
  readonly hollowNodes?: number;
  readonly hollowNodeCpu?: string;
  readonly hollowNodeMemory?: string;
  readonly hollowHeartbeatMs?: number;
  /** Prepended to topic and group names (several clusters on one Kafka). */
  readonly topicPrefix?: string;
  /** Pod addresses of the cluster: the node IPAM controller cuts each Node's spec.podCIDR from it (default 10.244.0.0/16). */
  readonly clusterCidr?: string;
  /** Prefix length of each Node's podCIDR (default 24). */
  readonly nodeCidrMaskSize?: number;
  /** The CronJob controller's clock (tests: a fast one, so schedules fire without real minutes). */
  readonly cronJobClock?: CronJobClock;
  /** The cluster CA (PEM) the root CA publisher puts in every namespace's kube-root-ca.crt; without it that controller does not run. */
  readonly rootCaPem?: string;
  /**
   * The CA (PEM certificate and key) the CSR signer issues API client certificates with, as
   * kube-controller-manager's --cluster-signing-cert-file/--cluster-signing-key-file; without it
   * approved requests stay unsigned.
   */
  readonly clusterSigning?: { readonly certPem: string; readonly keyPem: string; readonly durationMs?: number };
}

/** The controller manager's controllers, each its own consumer group (DESIGN §5). */
export function controllerManagerControllers(options: ComponentsOptions = {}): Controller[] {
  return [
    new DeploymentController(),
    new ReplicaSetController(),
    new JobController(),
    new DaemonSetController(),
    new StatefulSetController(),
    new CronJobController({ clock: options.cronJobClock }),
    new NodeLifecycleController({ gracePeriodMs: options.nodeGracePeriodMs, defaultEvictionSeconds: options.defaultEvictionSeconds }),
    new NodeIpamController({ clusterCidr: options.clusterCidr, nodeCidrMaskSize: options.nodeCidrMaskSize }),
    new EndpointsController(),
    new EndpointSliceController(),
    new DisruptionController(),
    new NamespaceController(),
    new PersistentVolumeController(),
    new HorizontalPodAutoscalerController({ syncPeriodMs: options.hpaSyncPeriodMs }),
    new EventTtlController({ ttlMs: options.eventTtlMs }),
    new ResourceQuotaController(),
    new ServiceAccountController(),
    ...(options.rootCaPem ? [new RootCaPublisher(options.rootCaPem)] : []),
    new CsrApprovingController(),
    ...(options.clusterSigning ? [csrSigningController(options.clusterSigning)] : []),
    new TokenCleaner(),
    new ClusterRoleAggregationController(),
    ...garbageCollectors(),
  ];
}

export function schedulerController(options: ComponentsOptions = {}): SchedulerController {
  return new SchedulerController(options.schedulerConfig ? loadSchedulerConfig(options.schedulerConfig) : DEFAULT_SCHEDULER_CONFIG);
}

export interface RunningComponents {
  readonly scheduler: ControllerHost;
  readonly controllerManager: ControllerHost;
  stop(): Promise<void>;
}

/** Hollow nodes alone (also with --no-controllers, when separate processes schedule and control). */
export async function startHollowNodes(deps: { readonly bus: EventBus; readonly client: ClusterClient; readonly log: ComponentLogger; readonly options: ComponentsOptions }): Promise<RunningHollowNodes | undefined> {
  const { options } = deps;
  if (!options.hollowNodes) return undefined;
  return HollowNodes.start({
    bus: deps.bus,
    client: deps.client,
    log: deps.log,
    count: options.hollowNodes,
    cpu: options.hollowNodeCpu,
    memory: options.hollowNodeMemory,
    heartbeatIntervalMs: options.hollowHeartbeatMs,
    topicPrefix: options.topicPrefix,
  });
}

/**
 * The scheduler and the controller manager inside one process, as
 * `logbook up` runs them: each on its own host and cache, as separate processes would be, each
 * writing as its own identity.
 */
export async function startComponents(deps: {
  readonly bus: EventBus;
  readonly clientFor: (actor: string) => ClusterClient;
  readonly log: ComponentLogger;
  readonly options?: ComponentsOptions;
  /** Where both hosts' metrics go (`logbook up`: the registry of the process). */
  readonly registry?: Registry;
}): Promise<RunningComponents> {
  const options = deps.options ?? {};
  const scheduler = new ControllerHost({ bus: deps.bus, client: deps.clientFor(SCHEDULER_USER), controllers: [schedulerController(options)], log: deps.log, instanceId: 'embedded-scheduler', topicPrefix: options.topicPrefix, registry: deps.registry });
  const controllerManager = new ControllerHost({
    bus: deps.bus,
    client: deps.clientFor(CONTROLLER_MANAGER_USER),
    controllers: controllerManagerControllers(options),
    log: deps.log,
    instanceId: 'embedded-controller-manager',
    topicPrefix: options.topicPrefix,
    registry: deps.registry,
  });
  await controllerManager.start();
  await scheduler.start();
  return {
    scheduler,
    controllerManager,
    async stop() {
      await scheduler.stop();
      await controllerManager.stop();
    },
  };
}

function csrSigningController(ca: NonNullable<ComponentsOptions['clusterSigning']>): CsrSigningController {
  return new CsrSigningController({
    durationMs: ca.durationMs,
    sign: (pem, o) => signCertificateRequest(ca.certPem, ca.keyPem, pem, { usages: o.usages as KeyUsage[], days: o.days }),
  });
}
