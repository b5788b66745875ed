/**
 * The Pod Security Standards' checks (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * one pure function per control, worded as kube's pod-security admission words its reasons and
 * details so that a refused pod reads the same as on a real cluster.
 */
export type Level = 'privileged' | 'baseline' | 'restricted';

export interface CheckResult {
  readonly reason: string;
  readonly detail: string;
}

/** A control of one level; `since` is the first policy minor version (1.x) that has it. */
export interface Check {
  readonly id: string;
  readonly level: Exclude<Level, 'privileged'>;
  readonly since: number;
  /** Baseline checks this restricted check replaces (from `since` on). */
  readonly overrides?: readonly string[];
  readonly check: (meta: PodMeta, spec: any) => CheckResult | undefined;
}

export interface PodMeta {
  readonly annotations?: Record<string, string>;
}

const plural = (singular: string, many: string, n: number): string => (n === 1 ? singular : many);
const quote = (items: readonly string[]): string => items.map((i) => `"${i}"`).join(', ');
const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();
const containersNamed = (names: readonly string[]): string => `${plural('container', 'containers', names.length)} ${quote(names)}`;

/** Init containers, then containers, then ephemeral containers: the order kube visits them in. */
function containers(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
}

const names = (spec: any, bad: (c: any) => boolean): string[] => containers(spec).filter(bad).map((c) => c.name);

const privileged: Check['check'] = (_m, spec) => {
  const bad = names(spec, (c) => c.securityContext?.privileged === true);
  return bad.length ? { reason: 'privileged', detail: `${containersNamed(bad)} must not set securityContext.privileged=true` } : undefined;
};

const hostNamespaces: Check['check'] = (_m, spec) => {
  const set = [spec?.hostNetwork && 'hostNetwork=true', spec?.hostPID && 'hostPID=true', spec?.hostIPC && 'hostIPC=true'].filter(Boolean);
  return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
};

const hostPathVolumes: Check['check'] = (_m, spec) => {
  const bad = (spec?.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => v.name);
  return bad.length ? { reason: 'hostPath volumes', detail: `${plural('volume', 'volumes', bad.length)} ${quote(bad)}` } : undefined;
};

const hostPorts: Check['check'] = (_m, spec) => {
  const ports = new Set<string>();
  const bad = names(spec, (c) => {
    const used = (c.ports ?? []).filter((p: any) => p.hostPort);
    used.forEach((p: any) => ports.add(String(p.hostPort)));
    return used.length > 0;
  });
  if (!bad.length) return undefined;
  const list = sorted(ports);
  return { reason: 'hostPort', detail: `${containersNamed(bad)} ${plural('uses', 'use', bad.length)} ${plural('hostPort', 'hostPorts', list.length)} ${list.join(', ')}` };
};

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const capabilitiesBaseline: Check['check'] = (_m, spec) => {
  const caps = new Set<string>();
  const bad = names(spec, (c) => {
    const added = (c.securityContext?.capabilities?.add ?? []).filter((cap: string) => !BASELINE_CAPABILITIES.has(cap));
    added.forEach((cap: string) => caps.add(cap));
    return added.length > 0;
  });
  return bad.length ? { reason: 'non-default capabilities', detail: `${containersNamed(bad)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add` } : undefined;
};

const isWindows = (spec: any): boolean => spec?.os?.name === 'windows';

const capabilitiesRestricted: Check['check'] = (_m, spec) => {
  if (isWindows(spec)) return undefined;
  const caps = new Set<string>();
  const missingDrop = names(spec, (c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
  const adding = names(spec, (c) => {
    const added = (c.securityContext?.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    added.forEach((cap: string) => caps.add(cap));
    return added.length > 0;
  });
  const details: string[] = [];
  if (missingDrop.length) details.push(`${containersNamed(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersNamed(adding)} must not include ${quote(sorted(caps))} in securityContext.capabilities.add`);
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
};

const allowPrivilegeEscalation: Check['check'] = (_m, spec) => {
  if (isWindows(spec)) return undefined;
  const bad = names(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
  return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersNamed(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
};

/** A pod in its own user namespace (hostUsers: false) is not root on the host: the root checks relax (1.35). */
const ownUserNamespace = (spec: any): boolean => spec?.hostUsers === false;

const runAsNonRoot: Check['check'] = (_m, spec) => {
  if (ownUserNamespace(spec)) return undefined;
  const setters: string[] = [];
  const podValue = spec?.securityContext?.runAsNonRoot;
  if (podValue === false) setters.push('pod');
  const explicit = names(spec, (c) => c.securityContext?.runAsNonRoot === false);
  const implicit = names(spec, (c) => c.securityContext?.runAsNonRoot === undefined && podValue !== true);
  if (explicit.length) setters.push(containersNamed(explicit));
  if (setters.length) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersNamed(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
};

const runAsUser: Check['check'] = (_m, spec) => {
  if (ownUserNamespace(spec)) return undefined;
  const setters: string[] = [];
  if (spec?.securityContext?.runAsUser === 0) setters.push('pod');
  const bad = names(spec, (c) => c.securityContext?.runAsUser === 0);
  if (bad.length) setters.push(containersNamed(bad));
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
};

const validSeccomp = (type: unknown): boolean => type === 'RuntimeDefault' || type === 'Localhost';

/** Explicitly bad seccomp types (pod and containers), shared by the baseline and restricted checks. */
function badSeccomp(spec: any): { setters: string[]; values: string[] } {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = spec?.securityContext?.seccompProfile;
  if (podProfile && !validSeccomp(podProfile.type)) {
    setters.push('pod');
    values.push(podProfile.type);
  }
  const bad = names(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (!profile || validSeccomp(profile.type)) return false;
    values.push(profile.type);
    return true;
  });
  if (bad.length) setters.push(containersNamed(bad));
  return { setters, values: sorted(values) };
}

const seccompBaseline: Check['check'] = (_m, spec) => {
  const { setters, values } = badSeccomp(spec);
  return setters.length ? { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${quote(values)}` } : undefined;
};

const seccompRestricted: Check['check'] = (meta, spec) => {
  if (isWindows(spec)) return undefined;
  const explicit = seccompBaseline(meta, spec);
  if (explicit) return explicit;
  const podSet = validSeccomp(spec?.securityContext?.seccompProfile?.type);
  const implicit = podSet ? [] : names(spec, (c) => !c.securityContext?.seccompProfile);
  return implicit.length ? { reason: 'seccompProfile', detail: `pod or ${containersNamed(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` } : undefined;
};

/** The volume sources restricted pods may use; any other source is named in the refusal. */
const RESTRICTED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);

const restrictedVolumes: Check['check'] = (_m, spec) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const volume of spec?.volumes ?? []) {
    const sources = Object.keys(volume).filter((k) => k !== 'name');
    if (sources.some((s) => RESTRICTED_VOLUME_SOURCES.has(s))) continue;
    bad.push(volume.name);
    types.add(sources[0] ?? 'unknown');
  }
  if (!bad.length) return undefined;
  const list = sorted(types);
  return {
    reason: 'restricted volume types',
    detail: `${plural('volume', 'volumes', bad.length)} ${quote(bad)} ${plural('uses', 'use', bad.length)} ${plural('restricted volume type', 'restricted volume types', list.length)} ${quote(list)}`,
  };
};

/** Namespaced sysctls safe for any pod, by the policy version that allowed them. */
const SAFE_SYSCTLS: ReadonlyArray<[number, string[]]> = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
];

export function sysctlsCheck(minor: number): Check['check'] {
  const safe = new Set(SAFE_SYSCTLS.filter(([since]) => since <= minor).flatMap(([, names]) => names));
  return (_m, spec) => {
    const bad = (spec?.securityContext?.sysctls ?? []).map((s: any) => s.name).filter((n: string) => !safe.has(n));
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
  };
}

const procMount: Check['check'] = (_m, spec) => {
  if (ownUserNamespace(spec)) return undefined;
  const types = new Set<string>();
  const bad = names(spec, (c) => {
    const mount = c.securityContext?.procMount;
    if (mount === undefined || mount === 'Default') return false;
    types.add(mount);
    return true;
  });
  return bad.length ? { reason: 'procMount', detail: `${containersNamed(bad)} must not set securityContext.procMount to ${quote(sorted(types))}` } : undefined;
};

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const validAppArmorType = (type: unknown): boolean => type === 'RuntimeDefault' || type === 'Localhost';
const validAppArmorAnnotation = (v: string): boolean => v === '' || v === 'runtime/default' || v.startsWith('localhost/');

const appArmor: Check['check'] = (meta, spec) => {
  const setters: string[] = [];
  const values = new Set<string>();
  const podProfile = spec?.securityContext?.appArmorProfile;
  if (podProfile && !validAppArmorType(podProfile.type)) {
    setters.push('pod');
    values.add(podProfile.type);
  }
  const bad = names(spec, (c) => {
    const profile = c.securityContext?.appArmorProfile;
    if (!profile || validAppArmorType(profile.type)) return false;
    values.add(profile.type);
    return true;
  });
  if (bad.length) setters.push(containersNamed(bad));
  const annotations = Object.entries(meta.annotations ?? {})
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && !validAppArmorAnnotation(v))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort();
  const list = [...sorted(values), ...annotations];
  if (annotations.length) setters.push(plural('annotation', 'annotations', annotations.length));
  if (!setters.length) return undefined;
  return { reason: plural('forbidden AppArmor profile', 'forbidden AppArmor profiles', list.length), detail: `${setters.join(' and ')} must not set AppArmor profile type to ${quote(list)}` };
};

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const seLinuxOptions: Check['check'] = (_m, spec) => {
  const types = new Set<string>();
  let user = false;
  let role = false;
  const invalid = (opts: any): boolean => {
    let bad = false;
    if (!SELINUX_TYPES.has(opts.type ?? '')) {
      bad = true;
      types.add(opts.type);
    }
    if (opts.user) bad = user = true;
    if (opts.role) bad = role = true;
    return bad;
  };
  const setters: string[] = [];
  if (spec?.securityContext?.seLinuxOptions && invalid(spec.securityContext.seLinuxOptions)) setters.push('pod');
  const bad = names(spec, (c) => !!c.securityContext?.seLinuxOptions && invalid(c.securityContext.seLinuxOptions));
  if (bad.length) setters.push(containersNamed(bad));
  if (!setters.length) return undefined;
  const what: string[] = [];
  if (types.size) what.push(`${plural('type', 'types', types.size)} ${quote(sorted(types))}`);
  if (user) what.push('user may not be set');
  if (role) what.push('role may not be set');
  return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${what.join('; ')}` };
};

const hostProbesAndLifecycle: Check['check'] = (_m, spec) => {
  const hosts = new Set<string>();
  const handlerHosts = (h: any): string[] => [h?.httpGet?.host, h?.tcpSocket?.host].filter((x): x is string => !!x);
  const bad = names(spec, (c) => {
    const found = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(handlerHosts);
    found.forEach((h) => hosts.add(h));
    return found.length > 0;
  });
  if (!bad.length) return undefined;
  const list = sorted(hosts);
  return {
    reason: 'probe or lifecycle host',
    detail: `${containersNamed(bad)} ${plural('uses', 'use', bad.length)} ${plural('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${quote(list)}`,
  };
};

const windowsHostProcess: Check['check'] = (_m, spec) => {
  const setters: string[] = [];
  if (spec?.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  const bad = names(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
  if (bad.length) setters.push(containersNamed(bad));
  return setters.length ? { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
};

/**
 * Every check, baseline ids then restricted ids, each group sorted by id: kube evaluates (and so
 * words its messages) in this order. Sysctls are version-dependent and bound per evaluation.
 */
export function checksFor(minor: number): Check[] {
  const all: Check[] = [
    { id: 'appArmorProfile', level: 'baseline', since: 0, check: appArmor },
    { id: 'capabilities_baseline', level: 'baseline', since: 0, check: capabilitiesBaseline },
    { id: 'hostNamespaces', level: 'baseline', since: 0, check: hostNamespaces },
    { id: 'hostPathVolumes', level: 'baseline', since: 0, check: hostPathVolumes },
    { id: 'hostPorts', level: 'baseline', since: 0, check: hostPorts },
    { id: 'hostProbesAndHostLifecycle', level: 'baseline', since: 34, check: hostProbesAndLifecycle },
    { id: 'privileged', level: 'baseline', since: 0, check: privileged },
    { id: 'procMount', level: 'baseline', since: 0, check: procMount },
    { id: 'seLinuxOptions', level: 'baseline', since: 0, check: seLinuxOptions },
    { id: 'seccompProfile_baseline', level: 'baseline', since: 19, check: seccompBaseline },
    { id: 'sysctls', level: 'baseline', since: 0, check: sysctlsCheck(minor) },
    { id: 'windowsHostProcess', level: 'baseline', since: 0, check: windowsHostProcess },
    { id: 'allowPrivilegeEscalation', level: 'restricted', since: 8, check: allowPrivilegeEscalation },
    { id: 'capabilities_restricted', level: 'restricted', since: 22, overrides: ['capabilities_baseline'], check: capabilitiesRestricted },
    { id: 'restrictedVolumes', level: 'restricted', since: 0, overrides: ['hostPathVolumes'], check: restrictedVolumes },
    { id: 'runAsNonRoot', level: 'restricted', since: 0, check: runAsNonRoot },
    { id: 'runAsUser', level: 'restricted', since: 23, check: runAsUser },
    { id: 'seccompProfile_restricted', level: 'restricted', since: 19, overrides: ['seccompProfile_baseline'], check: seccompRestricted },
  ];
  return all.filter((c) => c.since <= minor);
}
