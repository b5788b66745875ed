import type { KubeObject } from '@logbook/kube';

/** A container whose restartCount went up in one event: the restart and the exit that caused it. */
export interface ContainerRestart {
  readonly container: string;
  readonly restartCount: number;
  readonly exitCode?: number;
  readonly reason?: string;
}

/** Containers (init containers too) restarted between two versions of a pod. Pure. */
export function restartsBetween(before: KubeObject | undefined, after: KubeObject | undefined): ContainerRestart[] {
  const counts = new Map<string, number>();
  for (const s of statusesOf(before)) counts.set(s.name, s.restartCount ?? 0);
  return statusesOf(after).flatMap((s): ContainerRestart[] => {
    if ((s.restartCount ?? 0) <= (counts.get(s.name) ?? 0)) return [];
    const exit = s.lastState?.terminated;
    return [{ container: s.name, restartCount: s.restartCount, ...(exit ? { exitCode: exit.exitCode, reason: exit.reason } : {}) }];
  });
}

/**
 * What a status event did, in words: a phase change and restarted containers, e.g.
 * `phase Pending → Running` or `container web restarted (restart 1, last exit 137 Error)`.
 */
export function statusSummary(before: KubeObject | undefined, after: KubeObject | undefined, restarts = restartsBetween(before, after)): string | undefined {
  const parts: string[] = [];
  const from = before?.status?.phase;
  const to = after?.status?.phase;
  if (from !== to && to !== undefined) parts.push(`phase ${from ?? '(none)'} → ${to}`);
  for (const r of restarts) {
    const exit = r.exitCode === undefined ? '' : `, last exit ${r.exitCode}${r.reason ? ` ${r.reason}` : ''}`;
    parts.push(`container ${r.container} restarted (restart ${r.restartCount}${exit})`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function statusesOf(pod: KubeObject | undefined): any[] {
  return [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
}
