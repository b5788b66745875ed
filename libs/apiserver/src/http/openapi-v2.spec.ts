import { parse } from 'yaml';
import { RESOURCES, decodeMessage, type ProtobufSchema } from '@logbook/kube';
import { openApiV2Document } from './openapi-v2';

/** The parts of gnostic's OpenAPIv2.proto that kubectl 1.20's dry-run check reads. */
const GNOSTIC: ProtobufSchema = {
  Document: { 1: { name: 'swagger', type: 'string' }, 8: { name: 'paths', type: 'message:Paths' }, 9: { name: 'definitions', type: 'bytes' } },
  Paths: { 2: { name: 'path', type: 'repeated message:NamedPathItem' } },
  NamedPathItem: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'message:PathItem' } },
  PathItem: { 8: { name: 'patch', type: 'message:Operation' } },
  Operation: { 8: { name: 'parameters', type: 'repeated message:ParametersItem' }, 13: { name: 'vendorExtension', type: 'repeated message:NamedAny' } },
  ParametersItem: { 1: { name: 'parameter', type: 'message:Parameter' } },
  Parameter: { 2: { name: 'nonBody', type: 'message:NonBodyParameter' } },
  NonBodyParameter: { 3: { name: 'query', type: 'message:QueryParameterSubSchema' } },
  QueryParameterSubSchema: { 2: { name: 'in', type: 'string' }, 4: { name: 'name', type: 'string' } },
  NamedAny: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'message:Any' } },
  Any: { 2: { name: 'yaml', type: 'string' } },
};

/** cli-runtime's supportsDryRun, transcribed: the PATCH of the path whose GVK extension matches lists `dryRun`. */
function supportsDryRun(doc: any, gvk: { group: string; version: string; kind: string }): boolean | 'not found' {
  for (const path of doc.paths?.path ?? []) {
    const ext = (path.value?.patch?.vendorExtension ?? []).find((e: any) => e.name === 'x-kubernetes-group-version-kind');
    const value = ext ? parse(ext.value.yaml) : undefined;
    if (!value || value.group !== gvk.group || value.version !== gvk.version || value.kind !== gvk.kind) continue;
    return (path.value.patch.parameters ?? []).some((p: any) => p.parameter?.nonBody?.query?.name === 'dryRun');
  }
  return 'not found';
}

describe('the OpenAPI v2 document', () => {
  const doc = decodeMessage('Document', openApiV2Document(), GNOSTIC);

  it('declares dryRun on the PATCH of every served kind, as kubectl 1.20 checks before --dry-run=server and diff', () => {
    expect(doc.swagger).toBe('2.0');
    for (const r of RESOURCES) expect([r.kind, supportsDryRun(doc, r)]).toEqual([r.kind, true]);
    expect(supportsDryRun(doc, { group: 'example.com', version: 'v1', kind: 'Widget' })).toBe('not found');
  });

  it('names each path as kube-apiserver does and carries no schema definitions', () => {
    const names = (doc.paths as any).path.map((p: any) => p.name);
    expect(names).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    expect(names).toContain('/api/v1/nodes/{name}');
    expect(names).toHaveLength(RESOURCES.length);
    // Definitions would switch kubectl to client-side schema validation and apply against them.
    expect(doc.definitions).toBeUndefined();
  });
});
