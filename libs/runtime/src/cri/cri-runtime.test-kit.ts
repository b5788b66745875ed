import { existsSync } from 'node:fs';
import { makeTmpDir, randomName } from '@logbook/testing';
import { CriClient } from './cri-client';
import { NODE } from './cri-labels';
import { CriRuntime, CriRuntimeOptions } from './cri-runtime';

/**
 * Where the CRI int specs find a containerd: LOGBOOK_TEST_CRI_SOCKET (and the busybox image in
 * LOGBOOK_TEST_CRI_IMAGE, pullable by that containerd).
 */
const LOCAL_SOCKET = '/tmp/spike/containerd.sock';
export const CRI_SOCKET = process.env.LOGBOOK_TEST_CRI_SOCKET ?? (existsSync(LOCAL_SOCKET) ? LOCAL_SOCKET : undefined);
export const BUSYBOX = process.env.LOGBOOK_TEST_CRI_IMAGE ?? '127.0.0.1:5555/busybox:latest';
export const criUnavailable: string | undefined =
  process.getuid?.() !== 0 ? 'the CRI runtime tests need root' : CRI_SOCKET === undefined ? 'no containerd: set LOGBOOK_TEST_CRI_SOCKET' : undefined;

/** One test's CRI state: its own node name (so lists hold only its own pods) and log dir. */
export function criTarget(extra: Partial<CriRuntimeOptions> = {}) {
  const tmp = makeTmpDir('logbook-cri-');
  const nodeName = randomName('node');
  const runtimes: CriRuntime[] = [];
  return {
    nodeName,
    logDir: tmp.path,
    async runtime(): Promise<CriRuntime> {
      const rt = await CriRuntime.connect({ socketPath: CRI_SOCKET!, logDir: tmp.path, nodeName, pollMs: 100, ...extra });
      runtimes.push(rt);
      return rt;
    },
    /** Removes every sandbox of this node (and so its containers) through CRI, then the state. */
    async cleanup(): Promise<void> {
      for (const r of runtimes) await r.close();
      const client = new CriClient({ socketPath: CRI_SOCKET! });
      try {
        for (const s of await client.listPodSandbox({ labels: { [NODE]: nodeName } })) {
          await client.stopPodSandbox(s.id);
          await client.removePodSandbox(s.id);
        }
      } finally {
        client.close();
      }
      tmp.remove();
    },
  };
}
