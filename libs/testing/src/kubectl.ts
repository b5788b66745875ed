import { spawn } from 'node:child_process';

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs real kubectl against a kubeconfig, with its own discovery cache dir per call site. */
export function kubectl(kubeconfig: string, args: string[], opts: { input?: string; cacheDir?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const allArgs = ['--kubeconfig', kubeconfig, ...(opts.cacheDir ? ['--cache-dir', opts.cacheDir] : []), ...args];
  return new Promise((resolve, reject) => {
    const proc = spawn('kubectl', allArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
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
  const proc = spawn('kubectl', ['--kubeconfig', kubeconfig, ...(cacheDir ? ['--cache-dir', cacheDir] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return { proc, output: () => out, stop: () => proc.kill('SIGTERM') };
}
