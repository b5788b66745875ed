/**
 * containerd's config.toml for a containerd that Logbook owns (pure: a string from options).
 * Everything containerd keeps lives under the node's data directory, so that two node agents on
 * one machine are two independent nodes and `logbook down` knows what to remove. See
 * docs/operations.md "Images and the registry" for the mirror setting.
 */

export interface ContainerdConfigOptions {
  readonly root: string;
  readonly state: string;
  readonly address: string;
  readonly optDir: string;
  readonly sandboxImage: string;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  /** Registry host → endpoints, e.g. 'docker.io' → ['http://127.0.0.1:5000']. */
  readonly registryMirrors?: Readonly<Record<string, readonly string[]>>;
  /** Registries (host:port) spoken to over plain http. */
  readonly insecureRegistries?: readonly string[];
  /** Clamp containers' oom_score_adj to containerd's own (when it may not lower scores). */
  readonly restrictOomScoreAdj?: boolean;
  /** Where the per-registry hosts.toml files live (see `renderRegistryHosts`). */
  readonly registryHostsDir: string;
}

// Snapshotters that are never used here; skipping them saves their probes (aufs tries modprobe,
// devmapper warns) at every start. (The v1 linux runtime must stay: 1.6's tasks service needs it.)
const DISABLED_PLUGINS = [
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
];

const CRI = 'plugins."io.containerd.grpc.v1.cri"';

export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  const lines = [
    '# Written by Logbook (ManagedContainerd); rewritten at every start.',
    'version = 2',
    `root = ${str(o.root)}`,
    `state = ${str(o.state)}`,
    `disabled_plugins = [${DISABLED_PLUGINS.map(str).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${str(o.address)}`,
    '[ttrpc]',
    `  address = ${str(`${o.address}.ttrpc`)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${str(o.optDir)}`,
    '',
    `[${CRI}]`,
    `  sandbox_image = ${str(o.sandboxImage)}`,
    // Network namespaces under our state dir instead of /var/run/netns: `logbook down` finds
    // and removes exactly ours, and `ip netns` of the host is not cluttered.
    '  netns_mounts_under_state_dir = true',
    // Sandboxes ask for oom_score_adj -998, which needs CAP_SYS_RESOURCE; without it (as on this
    // machine kind) runc fails with "can't get final child's PID from pipe". Where this process
    // lacks it, containerd clamps to its own score instead.
    ...(o.restrictOomScoreAdj ? ['  restrict_oom_score_adj = true'] : []),
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_cdi = false',
    `  [${CRI}.containerd]`,
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    `    [${CRI}.containerd.runtimes.runc]`,
    '      runtime_type = "io.containerd.runc.v2"',
    `      [${CRI}.containerd.runtimes.runc.options]`,
    // This machine kind has cgroup v1 and no systemd as PID 1: cgroupfs paths.
    '        SystemdCgroup = false',
    `  [${CRI}.cni]`,
    `    bin_dir = ${str(o.cniBinDir)}`,
    `    conf_dir = ${str(o.cniConfDir)}`,
    '    max_conf_num = 1',
  ];
  // Registries through containerd's hosts directory, not the deprecated `mirrors` table: a
  // hosts.toml with `server` set replaces the upstream, so a docker.io name that the local mirror
  // lacks fails with the mirror's own answer instead of falling back to registry-1.docker.io
  // (unreachable here). Credentials come with each pull (imagePullSecrets).
  lines.push(`  [${CRI}.registry]`, `    config_path = ${str(o.registryHostsDir)}`);
  return lines.join('\n') + '\n';
}

/**
 * The hosts.toml of each registry host (`<hostsDir>/<host>/hosts.toml`): a mirrored host pulls
 * only from its mirror; an insecure registry is spoken to over plain http under its own name.
 */
export function renderRegistryHosts(o: Pick<ContainerdConfigOptions, 'registryMirrors' | 'insecureRegistries'>): Map<string, string> {
  const out = new Map<string, string>();
  const hosts = new Map<string, string[]>();
  for (const [host, endpoints] of Object.entries(o.registryMirrors ?? {})) hosts.set(host, [...endpoints]);
  for (const host of o.insecureRegistries ?? []) if (!hosts.has(host)) hosts.set(host, [`http://${host}`]);
  for (const [host, endpoints] of hosts) {
    const lines = ['# Written by Logbook (ManagedContainerd).', `server = ${str(endpoints[0])}`];
    for (const e of endpoints) lines.push('', `[host.${str(e)}]`, '  capabilities = ["pull", "resolve"]');
    out.set(host, lines.join('\n') + '\n');
  }
  return out;
}

/** A TOML basic string. */
function str(s: string): string {
  return JSON.stringify(s);
}
