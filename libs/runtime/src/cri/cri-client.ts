import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials, loadPackageDefinition, Metadata, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { runtimeErrorOf } from './cri-errors';
import type {
  AuthConfig,
  ContainerConfig,
  CriContainer,
  CriContainerStats,
  CriContainerStatus,
  CriImage,
  Labels,
  PodSandboxConfig,
  PodSandboxItem,
  PodSandboxStatus,
  SandboxState,
} from './cri-types';

/** The CRI definition sits beside this file in src (jest) and in dist (the build copies it). */
export const CRI_PROTO_PATH = join(__dirname, 'proto', 'runtime-v1.proto');

export interface CriClientOptions {
  /** containerd's CRI socket path (or a `unix://` address). */
  readonly socketPath: string;
  /** Deadline of ordinary calls; pulls, stops and execs get their own. */
  readonly deadlineMs?: number;
}

type Unary = (req: object, meta: Metadata, opts: { deadline: Date }, cb: (err: ServiceError | null, res: unknown) => void) => void;

let services: { RuntimeService: typeof Client; ImageService: typeof Client } | undefined;

function loadServices(): { RuntimeService: typeof Client; ImageService: typeof Client } {
  if (services) return services;
  if (!existsSync(CRI_PROTO_PATH)) throw new Error(`the CRI definition is missing at ${CRI_PROTO_PATH}`);
  const definition = loadSync(CRI_PROTO_PATH, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as { runtime: { v1: { RuntimeService: typeof Client; ImageService: typeof Client } } };
  services = pkg.runtime.v1;
  return services;
}

/**
 * A promise-shaped CRI runtime.v1 client over containerd's unix socket. Every call has a
 * deadline, and every failure leaves here as the port's RuntimeError (see cri-errors.ts).
 */
export class CriClient {
  private readonly runtime: Client;
  private readonly image: Client;
  private readonly deadlineMs: number;

  constructor(options: CriClientOptions) {
    const { RuntimeService, ImageService } = loadServices();
    const address = options.socketPath.startsWith('unix:') ? options.socketPath : `unix://${options.socketPath}`;
    // One channel for both services: same socket, and closing one closes everything.
    this.runtime = new RuntimeService(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    this.image = new ImageService(address, credentials.createInsecure(), { channelOverride: this.runtime.getChannel() });
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  close(): void {
    this.runtime.close();
  }

  version(): Promise<{ version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return this.call('runtime', 'version', { version: 'v1' });
  }

  async status(): Promise<{ type: string; status: boolean; reason: string; message: string }[]> {
    const res = await this.call<{ status?: { conditions: { type: string; status: boolean; reason: string; message: string }[] } }>('runtime', 'status', {});
    return res.status?.conditions ?? [];
  }

  async updateRuntimeConfig(podCidr: string): Promise<void> {
    await this.call('runtime', 'updateRuntimeConfig', { runtimeConfig: { networkConfig: { podCidr } } });
  }

  /** Runs a sandbox: image pull of the pause image and CNI set-up can take a while. */
  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return (await this.call<{ podSandboxId: string }>('runtime', 'runPodSandbox', { config }, 120_000)).podSandboxId;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call('runtime', 'stopPodSandbox', { podSandboxId: id }, 120_000);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call('runtime', 'removePodSandbox', { podSandboxId: id }, 120_000);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    return (await this.call<{ status: PodSandboxStatus }>('runtime', 'podSandboxStatus', { podSandboxId: id })).status;
  }

  async listPodSandbox(filter: { labels?: Labels; state?: SandboxState } = {}): Promise<PodSandboxItem[]> {
    const res = await this.call<{ items: PodSandboxItem[] }>('runtime', 'listPodSandbox', {
      filter: { labelSelector: filter.labels ?? {}, ...(filter.state ? { state: { state: filter.state } } : {}) },
    });
    return res.items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return (await this.call<{ containerId: string }>('runtime', 'createContainer', { podSandboxId, config, sandboxConfig }, 60_000)).containerId;
  }

  async startContainer(id: string): Promise<void> {
    await this.call('runtime', 'startContainer', { containerId: id }, 60_000);
  }

  /** Blocks until the container is gone: timeout seconds of grace, then SIGKILL. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call('runtime', 'stopContainer', { containerId: id, timeout: String(timeoutSeconds) }, (timeoutSeconds + 30) * 1000);
  }

  async removeContainer(id: string): Promise<void> {
    await this.call('runtime', 'removeContainer', { containerId: id }, 60_000);
  }

  async listContainers(filter: { labels?: Labels; podSandboxId?: string } = {}): Promise<CriContainer[]> {
    const res = await this.call<{ containers: CriContainer[] }>('runtime', 'listContainers', {
      filter: { labelSelector: filter.labels ?? {}, podSandboxId: filter.podSandboxId ?? '' },
    });
    return res.containers;
  }

  async containerStatus(id: string): Promise<CriContainerStatus> {
    return (await this.call<{ status: CriContainerStatus }>('runtime', 'containerStatus', { containerId: id })).status;
  }

  /** The status with containerd's extra `info` (its JSON carries the task's pid). */
  containerStatusVerbose(id: string): Promise<{ status: CriContainerStatus; info: Record<string, string> }> {
    return this.call('runtime', 'containerStatus', { containerId: id, verbose: true });
  }

  /** `timeoutSeconds` bounds the command inside the runtime; the call's deadline leaves it room to answer. */
  async execSync(id: string, cmd: readonly string[], timeoutSeconds: number): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
    return this.call('runtime', 'execSync', { containerId: id, cmd, timeout: String(timeoutSeconds) }, (timeoutSeconds + 10) * 1000);
  }

  async exec(req: { containerId: string; cmd: readonly string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'exec', req)).url;
  }

  async attach(req: { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'attach', req)).url;
  }

  async portForward(podSandboxId: string, ports: readonly number[]): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'portForward', { podSandboxId, port: ports })).url;
  }

  async listContainerStats(labels: Labels = {}): Promise<CriContainerStats[]> {
    return (await this.call<{ stats: CriContainerStats[] }>('runtime', 'listContainerStats', { filter: { labelSelector: labels } })).stats;
  }

  /** Resolves with the image id; any failure is ErrImagePull with the runtime's (the registry's) message. */
  async pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const req = { image: { image }, ...(auth ? { auth } : {}), ...(sandboxConfig ? { sandboxConfig } : {}) };
    return (await this.call<{ imageRef: string }>('image', 'pullImage', req, 600_000, 'ErrImagePull')).imageRef;
  }

  async imageStatus(image: string): Promise<CriImage | undefined> {
    return (await this.call<{ image: CriImage | null }>('image', 'imageStatus', { image: { image } })).image ?? undefined;
  }

  async listImages(): Promise<CriImage[]> {
    return (await this.call<{ images: CriImage[] }>('image', 'listImages', {})).images;
  }

  async removeImage(image: string): Promise<void> {
    await this.call('image', 'removeImage', { image: { image } }, 120_000);
  }

  async imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number }[]> {
    const res = await this.call<{ imageFilesystems: { fsId?: { mountpoint: string }; usedBytes?: { value: string } }[] }>('image', 'imageFsInfo', {});
    return res.imageFilesystems.map((f) => ({ mountpoint: f.fsId?.mountpoint ?? '', usedBytes: Number(f.usedBytes?.value ?? 0) }));
  }

  private call<T>(service: 'runtime' | 'image', method: string, req: object, deadlineMs = this.deadlineMs, reason?: string): Promise<T> {
    const client = service === 'runtime' ? this.runtime : this.image;
    const fn = (client as unknown as Record<string, Unary>)[method];
    return new Promise<T>((resolve, reject) => {
      fn.call(client, req, new Metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (err, res) => {
        if (err) reject(runtimeErrorOf(err, method, reason));
        else resolve(res as T);
      });
    });
  }
}
