import { eventually, randomName } from '@logbook/testing';
import type { ContainerRuntime, ContainerSpec, ContainerStatus, PodSandbox } from '../container-runtime.port';

/** What one adapter gives the contract suite for one test. */
export interface ContractTarget {
  /** The image `sh -c` containers run (the process runtime records it; the CRI runtime needs busybox or alike). */
  readonly image: string;
  /** A runtime on this test's state; each call is a new instance on the same state (a restarted agent). */
  runtime(): Promise<ContainerRuntime>;
  /** After each test, once the suite has removed its sandboxes: closes runtimes, removes state. */
  cleanup(): Promise<void>;
}

export interface ContractFactory {
  /** Why this adapter cannot run on this machine: the suite fails under CI, else is skipped saying why. */
  readonly unavailable?: string;
  create(): Promise<ContractTarget>;
}

const SH = ['/bin/sh', '-c'];

/**
 * The ContainerRuntime contract (STYLE.md "one contract test suite per port"): the behaviour the
 * node agent relies on, run against every adapter. Lists are filtered to this test's pods, so a
 * runtime shared with other tests (one containerd) does not disturb them.
 */
export function containerRuntimeContract(label: string, factory: ContractFactory): void {
  if (factory.unavailable) {
    if (process.env.CI === 'true') {
      it(`${label}: runs the ContainerRuntime contract`, () => {
        throw new Error(`cannot run the ${label} contract suite: ${factory.unavailable}`);
      });
      return;
    }
    console.log(`skipping the ${label} ContainerRuntime contract suite: ${factory.unavailable}`);
    it.skip(`${label}: ${factory.unavailable}`, () => undefined);
    return;
  }

  describe(`${label} implements the ContainerRuntime contract`, () => {
    let target: ContractTarget;
    let rt: ContainerRuntime;
    const uids = new Set<string>();

    beforeEach(async () => {
      target = await factory.create();
      rt = await target.runtime();
    });

    afterEach(async () => {
      const last = await target.runtime();
      for (const uid of uids) await last.removePodSandbox(uid).catch(() => undefined);
      uids.clear();
      await target.cleanup();
    });

    async function sandbox(runtime = rt, name = randomName('pod')): Promise<PodSandbox> {
      const uid = randomName('uid');
      uids.add(uid);
      return runtime.runPodSandbox({ uid, namespace: 'contract', name });
    }

    function sh(podUid: string, script: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
      return { podUid, name: 'main', image: target.image, command: SH, args: [script], env: {}, ...over };
    }

    function nextExit(runtime: ContainerRuntime, podUid: string): Promise<ContainerStatus> {
      return new Promise((resolve) => {
        const off = runtime.onExit((s) => {
          if (s.podUid !== podUid) return;
          off();
          resolve(s);
        });
      });
    }

    async function mine(runtime: ContainerRuntime, podUid: string): Promise<ContainerStatus[]> {
      return (await runtime.listContainers()).filter((c) => c.podUid === podUid);
    }

    async function logs(podUid: string, options = {}, runtime = rt): Promise<string[]> {
      const out: string[] = [];
      for await (const line of runtime.logs(podUid, 'main', options)) out.push(line);
      return out;
    }

    /** A container that says it is ready, then runs until stopped (trap decides what SIGTERM does). */
    const LONG = (trap: string): string => `${trap}; echo ready; while true; do sleep 0.1; done`;

    it('gives a sandbox an IP, and the same sandbox again for the same pod', async () => {
      const sb = await sandbox();
      expect(sb.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(await rt.runPodSandbox({ uid: sb.uid, namespace: 'contract', name: 'again' })).toMatchObject({ uid: sb.uid, ip: sb.ip });
      expect((await rt.listSandboxes()).filter((s) => s.uid === sb.uid)).toEqual([expect.objectContaining({ uid: sb.uid, ip: sb.ip })]);
    });

    it('reports exit codes through onExit and listContainers', async () => {
      const sb = await sandbox();
      const exited = nextExit(rt, sb.uid);
      const started = await rt.startContainer(sh(sb.uid, 'exit 3'));
      expect(started).toMatchObject({ podUid: sb.uid, name: 'main', attempt: 0 });
      expect(await exited).toMatchObject({ podUid: sb.uid, name: 'main', attempt: 0, status: { state: 'exited', exitCode: 3, reason: 'Error' } });
      expect(await mine(rt, sb.uid)).toEqual([expect.objectContaining({ attempt: 0, status: expect.objectContaining({ state: 'exited', exitCode: 3 }) })]);
    });

    it('increments the attempt with every start, and reports Completed for exit 0', async () => {
      const sb = await sandbox();
      for (const attempt of [0, 1, 2]) {
        const exited = nextExit(rt, sb.uid);
        expect((await rt.startContainer(sh(sb.uid, 'exit 0'))).attempt).toBe(attempt);
        expect(await exited).toMatchObject({ attempt, status: { state: 'exited', exitCode: 0, reason: 'Completed' } });
      }
      expect((await mine(rt, sb.uid)).map((c) => c.attempt)).toEqual([2]);
    });

    it('passes env, and command then args without another shell', async () => {
      const sb = await sandbox();
      const exited = nextExit(rt, sb.uid);
      await rt.startContainer(sh(sb.uid, '', { args: ['echo "$GREETING" "$0" "$1"', 'first', '$HOME *'], env: { GREETING: 'hi' } }));
      await exited;
      expect(await logs(sb.uid)).toEqual(['hi first $HOME *']);
    });

    it('keeps logs as lines, with tail, and the previous attempt', async () => {
      const sb = await sandbox();
      let exited = nextExit(rt, sb.uid);
      // stdout and stderr are two pipes: only a pause orders lines across them.
      await rt.startContainer(sh(sb.uid, 'echo one; echo two; sleep 0.3; echo three >&2'));
      await exited;
      expect(await logs(sb.uid)).toEqual(['one', 'two', 'three']);
      expect(await logs(sb.uid, { tailLines: 2 })).toEqual(['two', 'three']);
      expect(await logs(sb.uid, { limitBytes: 6 })).toEqual(['one', 'tw']);
      expect((await logs(sb.uid, { timestamps: true }))[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$/);
      exited = nextExit(rt, sb.uid);
      await rt.startContainer(sh(sb.uid, 'echo second run'));
      await exited;
      expect(await logs(sb.uid)).toEqual(['second run']);
      expect(await logs(sb.uid, { previous: true })).toEqual(['one', 'two', 'three']);
    });

    it('follows a running container until it exits', async () => {
      const sb = await sandbox();
      await rt.startContainer(sh(sb.uid, 'echo a; sleep 1; echo b'));
      expect(await logs(sb.uid, { follow: true })).toEqual(['a', 'b']);
    });

    it('execs a command in a running container with its exit code and output', async () => {
      const sb = await sandbox();
      await rt.startContainer(sh(sb.uid, LONG('true')));
      await eventually(async () => (await logs(sb.uid)).includes('ready'), { what: 'container ready' });
      expect(await rt.exec(sb.uid, 'main', [...SH, 'echo out; exit 4'], 10_000)).toEqual({ exitCode: 4, output: 'out\n' });
      await rt.stopContainer(sb.uid, 'main', 0);
    });

    it('stops with a grace period: a process that handles SIGTERM exits at once', async () => {
      const sb = await sandbox();
      await rt.startContainer(sh(sb.uid, LONG(`trap 'echo got TERM; exit 0' TERM`)));
      await eventually(async () => (await logs(sb.uid)).includes('ready'), { what: 'trap installed' });
      const exited = nextExit(rt, sb.uid);
      const t0 = Date.now();
      await rt.stopContainer(sb.uid, 'main', 20);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect((await exited).status).toMatchObject({ state: 'exited', exitCode: 0 });
      expect(await logs(sb.uid)).toContain('got TERM');
      expect((await mine(rt, sb.uid))[0].status.state).toBe('exited');
    });

    it('stops with a grace period: a process that ignores SIGTERM is killed when it is over', async () => {
      const sb = await sandbox();
      await rt.startContainer(sh(sb.uid, LONG(`trap '' TERM`)));
      await eventually(async () => (await logs(sb.uid)).includes('ready'), { what: 'trap installed' });
      const exited = nextExit(rt, sb.uid);
      const t0 = Date.now();
      await rt.stopContainer(sb.uid, 'main', 1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect((await exited).status).toMatchObject({ state: 'exited', exitCode: 137 });
    });

    it('removePodSandbox leaves no containers and no sandbox', async () => {
      const sb = await sandbox();
      await rt.startContainer(sh(sb.uid, LONG(`trap '' TERM`)));
      await rt.startContainer(sh(sb.uid, 'exit 0', { name: 'side' }));
      await rt.removePodSandbox(sb.uid);
      expect(await mine(rt, sb.uid)).toEqual([]);
      expect((await rt.listSandboxes()).map((s) => s.uid)).not.toContain(sb.uid);
    });

    it('a second runtime on the same state adopts what the first started', async () => {
      const sb = await sandbox();
      await rt.startContainer(sh(sb.uid, LONG('true')));
      await eventually(async () => (await logs(sb.uid)).includes('ready'), { what: 'container ready' });
      await rt.close();
      const again = await target.runtime();
      expect((await again.listSandboxes()).filter((s) => s.uid === sb.uid)).toEqual([expect.objectContaining({ ip: sb.ip })]);
      expect(await again.runPodSandbox({ uid: sb.uid, namespace: 'contract', name: 'x' })).toMatchObject({ ip: sb.ip });
      expect(await mine(again, sb.uid)).toEqual([expect.objectContaining({ name: 'main', attempt: 0, status: expect.objectContaining({ state: 'running' }) })]);
      expect(await logs(sb.uid, {}, again)).toContain('ready');
      const exited = nextExit(again, sb.uid);
      await again.stopContainer(sb.uid, 'main', 0);
      expect((await exited).status.state).toBe('exited');
      expect((await again.startContainer(sh(sb.uid, 'exit 0'))).attempt).toBe(1);
    });
  });
}
