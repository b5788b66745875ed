/** A Deployment `name` of `replicas` pods labelled app=<name>, running `podSpec`; `spec` adds to its spec (e.g. a strategy). */
export function deploymentManifest(name: string, replicas: number, podSpec: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec },
      ...spec,
    },
  };
}

/** The rollout of `deployment` to `image` is complete: observed, every one of `replicas` updated and available. */
export function rolledOut(deployment: any, image: string, replicas: number): boolean {
  const s = deployment.status ?? {};
  return (
    deployment.spec.template.spec.containers[0].image === image &&
    s.observedGeneration === deployment.metadata.generation &&
    s.updatedReplicas === replicas &&
    s.replicas === replicas &&
    s.availableReplicas === replicas
  );
}
