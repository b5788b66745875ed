import type { Registry } from 'prom-client';
import type { EventBus } from '@logbook/bus';
import { type ClusterClient, type ComponentLogger, ControllerHost } from '@logbook/components';
import { ServiceProxyController } from './service-proxy-controller';

export interface ServiceProxyOptions {
  readonly bus: EventBus;
  /** Reads only (the cache's initial list); the proxy writes nothing. */
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
}

export interface RunningServiceProxy {
  readonly controller: ServiceProxyController;
  readonly host: ControllerHost;
  /** Stops consuming, closes every listener and drops established connections. */
  stop(): Promise<void>;
}

/** The service proxy on its own ControllerHost (apps/proxy, tests); hosts that run several controllers add a ServiceProxyController instead. */
export const ServiceProxy = {
  async start(o: ServiceProxyOptions): Promise<RunningServiceProxy> {
    const controller = new ServiceProxyController({ nodeName: o.nodeName, nodeAddress: o.nodeAddress, log: o.log });
    const host = new ControllerHost({
      bus: o.bus,
      client: o.client,
      controllers: [controller],
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
      throw err;
    }
    return {
      controller,
      host,
      async stop() {
        await host.stop();
        await controller.close();
      },
    };
  },
};
