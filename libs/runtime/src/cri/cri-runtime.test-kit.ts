import { makeTmpDir, randomName, containerKitUnavailable, useContainerd } from '@logbook/testing';
import { CriClient } from './cri-client';
import { NODE } from './cri-labels';
import { CriRuntime, CriRuntimeOptions } from './cri-runtime';

/** A containerd to run the CRI specs against, and a busybox image it can pull. */
export interface CriEnv {
  readonly socketPath: string;
  readonly busybox: string;
}

const SOCKET = process.env.LOGBOOK_TEST_CRI_SOCKET;

/**
 * Why the CRI specs cannot run here. With LOGBOOK_TEST_CRI_SOCKET (and LOGBOOK_TEST_CRI_IMAGE) they
 * use that containerd; otherwise the container kit starts a ManagedContainerd and a registry.
 */
export const criUnavailable: string | undefined =
  process.getuid?.() !== 0 ? 'the CRI runtime specs need root' : SOCKET ? undefined : containerKitUnavailable();

/** Jest hooks (beforeAll/afterAll) giving the enclosing describe a containerd. */
export function useCriEnv(): () => CriEnv {
  if (SOCKET) {
    const env = { socketPath: SOCKET, busybox: process.env.LOGBOOK_TEST_CRI_IMAGE ?? 'docker.io/library/busybox:latest' };
    return () => env;
  }
  const kit = useContainerd({ images: ['busybox', 'pause'] });
  return () => ({ socketPath: kit().socketPath, busybox: kit().registry.images.busybox });
}

/** One test's CRI state: its own node name (so lists hold only its own pods) and log dir. */
export function criTarget(env: CriEnv, extra: Partial<CriRuntimeOptions> = {}) {
  const tmp = makeTmpDir('logbook-cri-');
  const nodeName = randomName('node');
  const runtimes: CriRuntime[] = [];
  return {
    nodeName,
    logDir: tmp.path,
    async runtime(): Promise<CriRuntime> {
      const rt = await CriRuntime.connect({ socketPath: env.socketPath, logDir: tmp.path, nodeName, pollMs: 100, ...extra });
      runtimes.push(rt);
      return rt;
    },
    /** Removes every sandbox of this node (and so its containers) through CRI, then the state. */
    async cleanup(): Promise<void> {
      for (const r of runtimes) await r.close();
      const client = new CriClient({ socketPath: env.socketPath });
      try {
        for (const s of await client.listPodSandbox({ labels: { [NODE]: nodeName } })) {
          await client.stopPodSandbox(s.id);
          await client.removePodSandbox(s.id);
        }
      } finally {
        client.close();
        tmp.remove();
      }
    },
  };
}
