import { type ResourceInfo, RESOURCES } from '@logbook/kube';

/**
 * `GET /openapi/v2` as kubectl reads it: a gnostic `openapi.v2.Document` in protobuf.
 *
 * It holds no schemas (definitions), so kubectl's client-side validation and client-side apply
 * fall back to their compiled-in types as with an empty document (KUBECTL.md §1). What it does
 * hold is one path per resource whose PATCH operation carries the
 * `x-kubernetes-group-version-kind` extension and a `dryRun` query parameter: kubectl 1.20
 * looks for exactly that before it sends `--dry-run=server` or runs `kubectl diff`
 * (cli-runtime `DryRunVerifier`). No `fieldValidation` parameter is declared, so kubectl keeps
 * validating on its side rather than asking the server for strict field checks.
 *
 * Field numbers are those of gnostic's OpenAPIv2.proto.
 */
export const OPENAPI_V2_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

let cached: Buffer | undefined;

export function openApiV2Document(): Buffer {
  return (cached ??= message([
    string(1, '2.0'), // swagger
    bytes(2, message([string(1, 'Logbook'), string(2, 'v1')])), // info: title, version
    bytes(8, message(RESOURCES.map((r) => bytes(2, namedPathItem(r))))), // paths.path
  ]));
}

function namedPathItem(r: ResourceInfo): Buffer {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const path = `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
  const dryRun = message([
    bytes(
      1, // ParametersItem.parameter
      message([
        bytes(
          2, // Parameter.non_body_parameter
          message([
            bytes(
              3, // NonBodyParameter.query_parameter_sub_schema
              message([
                string(2, 'query'), // in
                string(3, 'When present (All), the write is checked and answered but not stored.'), // description
                string(4, 'dryRun'), // name
                string(6, 'string'), // type
              ]),
            ),
          ]),
        ),
      ]),
    ),
  ]);
  const gvk = message([
    string(1, 'x-kubernetes-group-version-kind'),
    bytes(2, message([string(2, `group: "${r.group}"\nkind: ${r.kind}\nversion: ${r.version}\n`)])), // Any.yaml
  ]);
  const patch = message([
    string(5, `patch${r.group ? r.group[0].toUpperCase() + r.group.slice(1) : 'Core'}${r.version.toUpperCase()}${r.namespaced ? 'Namespaced' : ''}${r.kind}`), // operation_id
    bytes(8, dryRun), // parameters
    bytes(13, gvk), // vendor_extension
  ]);
  return message([string(1, path), bytes(2, message([bytes(8, patch)]))]); // name, value: PathItem.patch
}

// A protobuf writer for the one wire type this document needs: length-delimited fields.
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function bytes(field: number, value: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(value.length), value]);
}

function string(field: number, value: string): Buffer {
  return bytes(field, Buffer.from(value, 'utf8'));
}

function message(fields: readonly Buffer[]): Buffer {
  return Buffer.concat(fields);
}
