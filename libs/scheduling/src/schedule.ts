import type { KubeObject } from '@logbook/kube';
import type { Profile } from './framework';
import type { NodeInfo } from './node-info';
import type { Status } from './status';

export interface ScheduleResult {
  /** The chosen node; absent when none is feasible. */
  readonly node?: string;
  /** Weighted total per feasible node. */
  readonly scores?: Record<string, number>;
  /** kube-scheduler's FitError message when no node is feasible. */
  readonly reasons?: string;
  /** Nodes the filters ran on; the next cycle should start that far on (kube's nextStartNodeIndex). */
  readonly evaluated?: number;
}

export interface ScheduleOptions {
  /**
   * Stop filtering once this share of the nodes is feasible (kube's percentageOfNodesToScore);
   * default adaptive like kube: 50% − nodes/125, at least 5%, never fewer than 100 nodes. 100 = all.
   */
  readonly percentageOfNodesToScore?: number;
  /** Where in `nodeInfos` to start, so successive cycles look at different nodes first. */
  readonly startIndex?: number;
  /** Whether the result lists every feasible node's score (for logs and tests). Default true. */
  readonly withScores?: boolean;
}

/** How many feasible nodes a cycle looks for before it stops filtering (kube's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(numAllNodes: number, percentage?: number): number {
  const MIN = 100;
  if (numAllNodes < MIN || percentage === 100) return numAllNodes;
  const pct = percentage ?? Math.max(5, 50 - Math.floor(numAllNodes / 125));
  return Math.max(MIN, Math.floor((numAllNodes * pct) / 100));
}

/**
 * One scheduling cycle: the filters on the nodes (a node stops at its first failing filter, as
 * in kube-scheduler; on large clusters the cycle stops once enough nodes are feasible), then the
 * weighted sum of the scores over the feasible nodes. The highest
 * total wins; ties go to the node whose name sorts first, so a cycle is deterministic.
 */
export function schedule(pod: KubeObject, nodeInfos: readonly NodeInfo[], profile: Profile, options: ScheduleOptions = {}): ScheduleResult {
  const n = nodeInfos.length;
  if (n === 0) return { reasons: 'no nodes available to schedule pods' };
  for (const f of profile.filters) {
    if (!f.preFilter) continue;
    const status = f.preFilter(pod);
    // As kube's FitError with a PreFilter message: "0/3 nodes are available: <message>."
    if (status.code !== 'Success') return { reasons: `0/${n} nodes are available: ${status.reasons.join(', ')}.`, evaluated: 0 };
  }
  const wanted = numFeasibleNodesToFind(n, options.percentageOfNodesToScore);
  const start = (options.startIndex ?? 0) % n;
  const feasible: NodeInfo[] = [];
  const failures: Status[] = [];
  let evaluated = 0;
  while (evaluated < n && feasible.length < wanted) {
    const info = nodeInfos[(start + evaluated) % n];
    evaluated++;
    const failed = runFilters(pod, info, profile);
    if (failed) failures.push(failed);
    else feasible.push(info);
  }
  if (feasible.length === 0) return { reasons: fitErrorMessage(n, failures), evaluated };

  // Totals by index into `feasible`: a record keyed by hundreds of node names per cycle costs more than the scoring.
  const totals = new Array<number>(feasible.length).fill(0);
  for (const { plugin, weight } of profile.scores) {
    for (let i = 0; i < feasible.length; i++) totals[i] += weight * plugin.score(pod, feasible[i], feasible);
  }
  let best = 0;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i] > totals[best] || (totals[i] === totals[best] && feasible[i].name < feasible[best].name)) best = i;
  }
  const node = feasible[best].name;
  if (options.withScores === false) return { node, evaluated };
  return { node, scores: Object.fromEntries(feasible.map((info, i) => [info.name, totals[i]])), evaluated };
}

function runFilters(pod: KubeObject, info: NodeInfo, profile: Profile): Status | undefined {
  for (const f of profile.filters) {
    const status = f.filter(pod, info);
    if (status.code !== 'Success') return status;
  }
  return undefined;
}

/**
 * `0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.`
 * Like kube-scheduler's FitError.Error(): each reason counted over the nodes, rendered as
 * "<count> <reason>", and those strings sorted as strings (so the order is by count first).
 */
export function fitErrorMessage(numAllNodes: number, statuses: readonly Status[]): string {
  const histogram = new Map<string, number>();
  for (const s of statuses) for (const r of s.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `0/${numAllNodes} nodes are available:` + (parts.length ? ` ${parts.join(', ')}.` : '');
}
