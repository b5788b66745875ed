/**
 * The stateAt scope a time-travel read needs (see SnapshotStore): `Pod/shop/web-1` for a get,
 * `Pod/shop` for a list in a namespace, `Pod` across namespaces; cluster-scoped kinds have no
 * namespace level (`Node/n1`). A name without a namespace selects every namespace's object of
 * that name, so its scope is the whole kind.
 */
export function readScope(resource: { readonly kind: string; readonly namespaced: boolean }, namespace?: string, name?: string): string {
  if (!resource.namespaced) return name === undefined ? resource.kind : `${resource.kind}/${name}`;
  if (namespace === undefined) return resource.kind;
  return name === undefined ? `${resource.kind}/${namespace}` : `${resource.kind}/${namespace}/${name}`;
}
