import { spawnSync } from 'node:child_process';

export type DockerEngine = { readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string };

/**
 * Whether testcontainers finds a working container engine, asked synchronously (in a child
 * process, bounded by a timeout) so that a suite can decide at definition time to skip.
 * `getContainerRuntimeClient()` rejects when there is no engine — e.g. a docker CLI without a
 * daemon, as on Logbook's development machines and CI.
 */
export function detectDockerEngine(timeoutMs = 15_000): DockerEngine {
  const script = `require('testcontainers').getContainerRuntimeClient().then(
    (c) => { process.stdout.write('ok ' + (c.info.engine.serverVersion ?? '?')); process.exit(0); },
    (e) => { process.stdout.write(String((e && e.message) || e)); process.exit(1); })`;
  const child = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: timeoutMs, env: process.env });
  if (child.error) return { available: false, reason: `no answer from the container engine within ${timeoutMs} ms (${child.error.message})` };
  const out = child.stdout.trim();
  if (child.status === 0 && out.startsWith('ok ')) return { available: true, version: out.slice(3) };
  return { available: false, reason: out.split('\n')[0] || `the engine probe exited with ${child.status}` };
}
