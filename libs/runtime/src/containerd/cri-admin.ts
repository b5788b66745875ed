import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The few CRI runtime.v1 calls that ManagedContainerd needs to see that containerd answers and to
 * tear a node down (Version, ListPodSandbox, StopPodSandbox, RemovePodSandbox). The messages are a
 * subset of the published runtime.v1 definitions (same names and field numbers), kept inline so
 * that the compiled CLI needs no .proto file beside it; the node agent's runtime adapter has the
 * whole service.
 */
const field = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });
const CRI_SUBSET = {
  nested: {
    runtime: {
      nested: {
        v1: {
          nested: {
            RuntimeService: {
              methods: {
                Version: { requestType: 'VersionRequest', responseType: 'VersionResponse' },
                StopPodSandbox: { requestType: 'StopPodSandboxRequest', responseType: 'Empty' },
                RemovePodSandbox: { requestType: 'RemovePodSandboxRequest', responseType: 'Empty' },
                ListPodSandbox: { requestType: 'ListPodSandboxRequest', responseType: 'ListPodSandboxResponse' },
              },
            },
            Empty: { fields: {} },
            VersionRequest: { fields: { version: field('string', 1) } },
            VersionResponse: {
              fields: { version: field('string', 1), runtime_name: field('string', 2), runtime_version: field('string', 3), runtime_api_version: field('string', 4) },
            },
            StopPodSandboxRequest: { fields: { pod_sandbox_id: field('string', 1) } },
            RemovePodSandboxRequest: { fields: { pod_sandbox_id: field('string', 1) } },
            ListPodSandboxRequest: { fields: {} },
            PodSandboxMetadata: { fields: { name: field('string', 1), uid: field('string', 2), namespace: field('string', 3), attempt: field('uint32', 4) } },
            PodSandbox: { fields: { id: field('string', 1), metadata: field('PodSandboxMetadata', 2), state: field('int32', 3) } },
            ListPodSandboxResponse: { fields: { items: field('PodSandbox', 1, 'repeated') } },
          },
        },
      },
    },
  },
};

export interface CriVersion {
  readonly version: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly runtimeApiVersion: string;
}

export interface CriSandboxSummary {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

type Unary = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: any) => void) => void;

let serviceCtor: grpc.ServiceClientConstructor | undefined;
function service(): grpc.ServiceClientConstructor {
  if (!serviceCtor) {
    const def = protoLoader.fromJSON(CRI_SUBSET as unknown as Parameters<typeof protoLoader.fromJSON>[0], { keepCase: true, longs: String, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    serviceCtor = pkg.runtime.v1.RuntimeService as grpc.ServiceClientConstructor;
  }
  return serviceCtor;
}

/** A short-lived CRI connection for administration; `close()` it when done. */
export class CriAdmin {
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(socketPath: string) {
    const Ctor = service();
    this.client = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    }) as any;
  }

  version(timeoutMs = 5000): Promise<CriVersion> {
    return this.call<any>('Version', { version: 'v1' }, timeoutMs).then((r) => ({
      version: r.version,
      runtimeName: r.runtime_name,
      runtimeVersion: r.runtime_version,
      runtimeApiVersion: r.runtime_api_version,
    }));
  }

  async listPodSandboxes(timeoutMs = 10_000): Promise<CriSandboxSummary[]> {
    const r = await this.call<any>('ListPodSandbox', {}, timeoutMs);
    return (r.items ?? []).map((s: any) => ({ id: s.id, name: s.metadata?.name ?? '', namespace: s.metadata?.namespace ?? '', uid: s.metadata?.uid ?? '' }));
  }

  async stopPodSandbox(id: string, timeoutMs = 60_000): Promise<void> {
    await this.call('StopPodSandbox', { pod_sandbox_id: id }, timeoutMs);
  }

  async removePodSandbox(id: string, timeoutMs = 60_000): Promise<void> {
    await this.call('RemovePodSandbox', { pod_sandbox_id: id }, timeoutMs);
  }

  close(): void {
    this.client.close();
  }

  private call<T>(method: string, req: object, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client[method](req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }
}
