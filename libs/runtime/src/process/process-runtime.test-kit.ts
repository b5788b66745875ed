import { makeTmpDir, randomName } from '@logbook/testing';
import { ContainerSpec, ContainerStatus } from '../container-runtime.port';
import { ProcessRuntime, ProcessRuntimeOptions } from './process-runtime';

export const NODE = process.execPath;

/**
 * Per-test fixtures for the ProcessRuntime suites: a fresh state dir, runtimes closed and every
 * process group started by a test killed afterwards.
 */
export function useRuntimeKit() {
  const kit = {
    tmp: undefined as unknown as { path: string; remove(): void },
    runtimes: [] as ProcessRuntime[],
    pids: new Set<number>(),
    range: '127.1.0.0/16',
  };

  beforeEach(() => {
    kit.tmp = makeTmpDir('logbook-runtime-');
    // A random /24 of 127.1.0.0/16 per test, so suites running in parallel do not share pod IPs (and ports).
    kit.range = `127.1.${1 + Math.floor(Math.random() * 254)}.0/24`;
  });

  afterEach(async () => {
    for (const rt of kit.runtimes.splice(0)) await rt.close();
    for (const pid of kit.pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    kit.pids.clear();
    kit.tmp.remove();
  });

  return {
    tmpPath: (): string => kit.tmp.path,

    runtime(extra: Partial<ProcessRuntimeOptions> = {}): ProcessRuntime {
      const rt = new ProcessRuntime({ stateDir: kit.tmp.path, addressRange: kit.range, ...extra });
      kit.runtimes.push(rt);
      return rt;
    },

    sandbox(rt: ProcessRuntime) {
      return rt.runPodSandbox({ uid: randomName('uid'), namespace: 'default', name: randomName('pod') });
    },

    container(podUid: string, script: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
      return { podUid, name: 'main', image: 'node:24', command: [NODE, '-e', script], args: [], env: {}, ...over };
    },

    async start(rt: ProcessRuntime, spec: ContainerSpec): Promise<ContainerStatus> {
      const s = await rt.startContainer(spec);
      if (s.status.state === 'running') kit.pids.add(s.status.pid);
      return s;
    },

    nextExit(rt: ProcessRuntime): Promise<ContainerStatus> {
      return new Promise((resolve) => {
        const off = rt.onExit((s) => {
          off();
          resolve(s);
        });
      });
    },

    async collect(it: AsyncIterable<string>): Promise<string[]> {
      const out: string[] = [];
      for await (const line of it) out.push(line);
      return out;
    },
  };
}
