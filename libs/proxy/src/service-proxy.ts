import type { Registry } from 'prom-client';
import type { EventBus } from '@logbook/bus';
import { type ClusterClient, type ComponentLogger, ControllerHost } from '@logbook/components';
import { IngressController, ensureDefaultIngressClass } from './ingress-controller';
import { ServiceProxyController } from './service-proxy-controller';
import { KernelProxyController } from './nft/kernel-proxy-controller';

export interface ServiceProxyOptions {
  readonly bus: EventBus;
  /** Reads (the cache's initial list); writes only Ingress status and the default IngressClass, when ingressAddress is set. */
  readonly client: ClusterClient;
  readonly log: ComponentLogger;
  readonly nodeName: string;
  /** Where NodePort Services listen; default 127.0.0.1. */
  readonly nodeAddress?: string;
  readonly topicPrefix?: string;
  /** Partitions of the relay's topics; default 6. */
  readonly partitions?: number;
  /** Where its host's reconcile and consumer-group metrics go. */
  readonly registry?: Registry;
  /**
   * `host:port` of the ingress controller's HTTP listener (port 0 picks a free one); undefined
   * runs no ingress controller. The client then also writes Ingress status and, once, the
   * default `logbook` IngressClass.
   */
  readonly ingressAddress?: string;
  /**
   * Program ClusterIP, NodePort and load-balancer Services as nftables rules (kube-proxy's
   * nftables mode) for container pods. The userspace listeners stay for loopback ClusterIPs (the
   * process runtime's range) and `127.0.0.1:nodePort`.
   */
  readonly kernel?: { readonly table: string; readonly clusterCIDR: string; readonly serviceCIDR: string };
}

export interface RunningServiceProxy {
  readonly controller: ServiceProxyController;
  readonly host: ControllerHost;
  readonly ingress?: IngressController;
  readonly kernel?: KernelProxyController;
  /** Stops consuming, closes every listener and drops established connections. */
  stop(): Promise<void>;
}

/** The service proxy on its own ControllerHost (apps/proxy, tests); hosts that run several controllers add a ServiceProxyController instead. */
export const ServiceProxy = {
  async start(o: ServiceProxyOptions): Promise<RunningServiceProxy> {
    const controller = new ServiceProxyController({ nodeName: o.nodeName, nodeAddress: o.nodeAddress, log: o.log });
    const ingress = o.ingressAddress === undefined ? undefined : new IngressController({ nodeName: o.nodeName, address: o.ingressAddress, log: o.log });
    const kernel = o.kernel
      ? new KernelProxyController({ ...o.kernel, nodeName: o.nodeName, podInterfaces: 'lb*', ownsClusterIP: (ip) => !ip.startsWith('127.'), log: o.log })
      : undefined;
    await ingress?.listen();
    if (ingress) await ensureDefaultIngressClass(o.client, o.log);
    const host = new ControllerHost({
      bus: o.bus,
      client: o.client,
      controllers: [controller, ...(ingress ? [ingress] : []), ...(kernel ? [kernel] : [])],
      log: o.log,
      instanceId: `proxy-${o.nodeName}-${process.pid}`,
      topicPrefix: o.topicPrefix,
      partitions: o.partitions,
      registry: o.registry,
    });
    try {
      await host.start();
    } catch (err) {
      await host.stop().catch(() => undefined);
      await controller.close();
      await ingress?.close();
      throw err;
    }
    return {
      controller,
      host,
      ingress,
      kernel,
      async stop() {
        await host.stop();
        await controller.close();
        await ingress?.close();
      },
    };
  },
};
