import { execFileSync, spawn } from 'node:child_process';

/**
 * The kubectl binaries to test with: $KUBECTL_BINARIES (colon-separated; `npm test` sets it to
 * Debian's 1.20 plus any kubectl on PATH), else `kubectl` from PATH.
 */
export function kubectlBinaries(): string[] {
  const list = (process.env.KUBECTL_BINARIES ?? '').split(':').filter(Boolean);
  return list.length ? list : ['kubectl'];
}

let defaultBinary = kubectlBinaries()[0];

/** Chooses the binary `kubectl()` and `kubectlBackground()` run (per describe block). */
export function useKubectl(binary: string): void {
  defaultBinary = binary;
}

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs real kubectl against a kubeconfig, with its own discovery cache dir per call site. */
export function kubectl(kubeconfig: string, args: string[], opts: { input?: string; cacheDir?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<KubectlResult> {
  const allArgs = ['--kubeconfig', kubeconfig, ...(opts.cacheDir ? ['--cache-dir', opts.cacheDir] : []), ...args];
  return new Promise((resolve, reject) => {
    // `env` adds to this process's environment (e.g. EDITOR for `kubectl edit`).
    const proc = spawn(defaultBinary, allArgs, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ? { ...process.env, ...opts.env } : undefined });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    proc.on('error', (err) => reject(new Error(`cannot run kubectl (${err.message}): npm test installs it (Debian kubernetes-client)`)));
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    proc.stdin.end(opts.input ?? '');
  });
}

/** Starts a long-running kubectl (e.g. `get -w`); the caller reads `output()` and kills it. */
export function kubectlBackground(kubeconfig: string, args: string[], cacheDir?: string) {
  const proc = spawn(defaultBinary, ['--kubeconfig', kubeconfig, ...(cacheDir ? ['--cache-dir', cacheDir] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return { proc, output: () => out, stop: () => proc.kill('SIGTERM') };
}

/** `v1.32` for a kubectl binary (from `kubectl version --client`), for naming per-version describes. */
export function kubectlVersion(bin: string): string {
  return /v1\.\d+/.exec(execFileSync(bin, ['version', '--client'], { encoding: 'utf8' }))?.[0] ?? bin;
}
