import type { ServerResponse } from 'node:http';
import { ApiError, resolveResource } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { diffStates } from '../history/diff';
import { readScope } from '../history/scope';
import type { ApiDeps } from './context';
import type { User } from '../identity/token-file';
import { mayGet, secretForView } from '../secrets/secret-ops';
import { pastState } from './time-travel';

/** GET /apis/logbook.io/v1/diff?from=<point>&to=<point>[&kind=][&name=][&namespace=] */
export async function serveDiff(deps: ApiDeps, user: User, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const from = query.get('from');
  const to = query.get('to');
  if (!from || !to) throw ApiError.badRequest('diff needs ?from=<point>&to=<point> (resourceVersion, RFC 3339 time or a duration ago such as 10m)');
  const kindParam = query.get('kind');
  const resource = kindParam ? resolveResource(kindParam) : undefined;
  if (kindParam && !resource) throw ApiError.badRequest(`unknown kind "${kindParam}": use a kind, plural or short name such as deployment, pods or svc`);
  const name = query.get('name') ?? undefined;
  if (name && !resource) throw ApiError.badRequest('diff of one object needs its kind too: kind/name');
  const namespace = query.get('namespace') ?? undefined;
  // One kind loads only that kind (in that namespace); without a kind, every kind is compared.
  const scope = resource ? readScope(resource, namespace, name) : undefined;
  const a = await pastState(deps, from, 'from', scope);
  const b = await pastState(deps, to, 'to', scope);
  // Only objects the caller may get; Secret values shown only as secretForView allows.
  const diff = diffStates(a.state, b.state, {
    ...(resource ? { kinds: [resource.kind] } : {}),
    namespace,
    name,
    visible: (o) => mayGet(deps, user, o.kind, o.metadata.namespace, o.metadata.name!),
    view: (o) => secretForView(deps, user, o)!,
  });
  sendJson(res, 200, { kind: 'StateDiff', apiVersion: 'logbook.io/v1', from: a.state.position, to: b.state.position, ...diff });
}
