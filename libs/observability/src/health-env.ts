/** Default health ports, as Kubernetes' components have them (docs/operations.md "Metrics"). */
export const DEFAULT_HEALTH_PORTS = {
  'node-agent': 10255,
  proxy: 10256,
  'controller-manager': 10257,
  relay: 10258,
  scheduler: 10259,
} as const;

/**
 * Where a component's health server listens: `LOGBOOK_HEALTH_HOST` (default 127.0.0.1) and
 * `LOGBOOK_HEALTH_PORT` (0 picks a free port), else the component's default port.
 */
export function healthListenOptions(env: NodeJS.ProcessEnv, defaultPort: number): { host: string; port: number } {
  const raw = env.LOGBOOK_HEALTH_PORT?.trim();
  const port = raw === undefined || raw === '' ? defaultPort : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`LOGBOOK_HEALTH_PORT=${raw} is not a port: give 0..65535 (0 picks a free port)`);
  }
  return { host: env.LOGBOOK_HEALTH_HOST?.trim() || '127.0.0.1', port };
}
