import { ApiError } from './api-error';
import { decodeKubeProtobuf, protoFields } from './protobuf';

/** Minimal test-side encoder: a message is a list of [fieldNo, value]; nested arrays are messages. */
type Value = string | number | boolean | Uint8Array | Msg;
type Msg = Array<[number, Value]>;
function varint(n: number): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
function encode(msg: Msg): Uint8Array {
  const bytes: number[] = [];
  for (const [no, v] of msg) {
    if (typeof v === 'number' || typeof v === 'boolean') {
      bytes.push(...varint(no * 8), ...varint(Number(v)));
    } else {
      const body = typeof v === 'string' ? Buffer.from(v) : v instanceof Uint8Array ? v : encode(v);
      bytes.push(...varint(no * 8 + 2), ...varint(body.length), ...body);
    }
  }
  return Uint8Array.from(bytes);
}
const envelope = (apiVersion: string, kind: string, raw: Msg) =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...encode([[1, [[1, apiVersion], [2, kind]]], [2, encode(raw)], [3, ''], [4, '']])]);

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

describe('decodeKubeProtobuf', () => {
  it('decodes the body of kubectl 1.32 `create namespace foo` (KUBECTL.md §10)', () => {
    const body = fromHex('6b387300 0a0f0a0276311209 4e616d657370616365 121b0a130a03666f6f12001a0022002a0032003800420012001a020a001a002200');
    expect(decodeKubeProtobuf(body)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo' }, spec: {}, status: {} });
  });

  it('decodes ObjectMeta fields', () => {
    const meta: Msg = [
      [1, 'web'],
      [3, 'default'],
      [5, 'u-1'],
      [6, '42'],
      [7, 3],
      [8, [[1, 1704067200]]],
      [11, [[1, 'app'], [2, 'web']]],
      [11, [[1, 'tier'], [2, 'fe']]],
      [12, [[1, 'note'], [2, 'hi']]],
      [13, [[1, 'Deployment'], [3, 'd'], [4, 'u-0'], [5, 'apps/v1'], [6, true], [7, false]]],
      [14, 'example.com/a'],
      [14, 'example.com/b'],
    ];
    expect(decodeKubeProtobuf(envelope('v1', 'Namespace', [[1, meta], [2, [[1, 'kubernetes']]], [3, [[1, 'Active']]]]))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'web',
        namespace: 'default',
        uid: 'u-1',
        resourceVersion: '42',
        generation: 3,
        creationTimestamp: '2024-01-01T00:00:00Z',
        labels: { app: 'web', tier: 'fe' },
        annotations: { note: 'hi' },
        ownerReferences: [{ kind: 'Deployment', name: 'd', uid: 'u-0', apiVersion: 'apps/v1', controller: true, blockOwnerDeletion: false }],
        finalizers: ['example.com/a', 'example.com/b'],
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  it('decodes a ConfigMap (kubectl create configmap --from-literal)', () => {
    const body = envelope('v1', 'ConfigMap', [
      [1, [[1, 'cm'], [3, 'default']]],
      [2, [[1, 'a'], [2, '1']]],
      [2, [[1, 'b'], [2, 'two words']]],
      [3, [[1, 'bin'], [2, Uint8Array.from([0, 1, 255])]]],
      [4, true],
    ]);
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'default' },
      data: { a: '1', b: 'two words' },
      binaryData: { bin: 'AAH/' },
      immutable: true,
    });
  });

  it('decodes a Secret with data bytes as base64', () => {
    const body = envelope('v1', 'Secret', [
      [1, [[1, 's']]],
      [2, [[1, 'password'], [2, Buffer.from('s3cret')]]],
      [3, 'Opaque'],
      [4, [[1, 'plain'], [2, 'text']]],
    ]);
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: Buffer.from('s3cret').toString('base64') },
      type: 'Opaque',
      stringData: { plain: 'text' },
    });
  });

  it('skips unknown fields of every wire type', () => {
    const meta = Uint8Array.from([...encode([[1, 'x']]), 0x79, 1, 2, 3, 4, 5, 6, 7, 8, 0x7d, 1, 2, 3, 4, ...encode([[17, [[1, 'mgr']]], [99, 5]])]);
    expect(decodeKubeProtobuf(envelope('v1', 'ConfigMap', [[1, meta]]))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  });

  it.each<[string, Uint8Array, number, RegExp]>([
    ['a DaemonSet (kubectl never sends one)', envelope('apps/v1', 'DaemonSet', [[1, [[1, 'ds']]]]), 415, /vnd\.kubernetes\.protobuf for apps\/v1 DaemonSet: only .*Deployment.*CronJob.*send JSON/],
    ['a ServiceAccount', envelope('v1', 'ServiceAccount', [[1, [[1, 'sa']]]]), 415, /for v1 ServiceAccount: /],
    ['a Deployment of another group version', envelope('extensions/v1beta1', 'Deployment', [[1, [[1, 'web']]]]), 415, /for extensions\/v1beta1 Deployment/],
    ['a string where a varint belongs', envelope('apps/v1', 'Deployment', [[2, [[1, 'three']]]]), 400, /field 1 should be a varint/],
    ['a missing prefix', Uint8Array.from([1, 2, 3, 4, 5]), 400, /missing the "k8s\\0" prefix/],
    ['a truncated body', fromHex('6b387300 0a0f0a02'), 400, /malformed protobuf body/],
  ])('rejects %s with %d', (_name, body, code, message) => {
    let error: unknown;
    try {
      decodeKubeProtobuf(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(code);
    expect((error as ApiError).message).toMatch(message);
  });
});

describe('protoFields', () => {
  it('reads multi-byte varints', () => {
    expect([...protoFields(Uint8Array.from([0x08, 0xac, 0x02]))]).toEqual([{ no: 1, wire: 0, varint: 300 }]);
    expect([...protoFields(Uint8Array.from([0x08, ...varint(2 ** 40 + 7)]))][0].varint).toBe(2 ** 40 + 7);
  });
});
