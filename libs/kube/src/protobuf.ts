import { ApiError } from './api-error';
import { DECODED_KINDS, KUBE_SCHEMA, type FieldSpec, type Schema } from './protobuf/kinds';

/**
 * Decoder for the Kubernetes protobuf request envelope that kubectl 1.32's typed clients send
 * (`kubectl create namespace|deployment|job|service|…`, KUBECTL.md §10): magic `k8s\0`, then
 * runtime.Unknown {1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}.
 * `raw` is walked by one generic decoder driven by the tables in ./protobuf, producing the JSON
 * that Go's encoding/json would have produced for the same object. Kinds without a table get a
 * 415 that tells the user what to do.
 */
export type { Schema as ProtobufSchema } from './protobuf/kinds';
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

type Field = { no: number; wire: number; varint?: number; bytes?: Uint8Array };

/** Reads the varint at `pos`; returns its value and the position after it. */
function readVarint(buf: Uint8Array, pos: number): [number, number] {
  const start = pos;
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw malformed('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * mul;
    mul *= 128;
    // Past 7 bytes a double loses precision, and Go writes negative ints as 10-byte two's complement.
    if ((b & 0x80) === 0) return [i < 7 ? result : wideVarint(buf.subarray(start, pos)), pos];
  }
  throw malformed('varint longer than 10 bytes');
}

function wideVarint(bytes: Uint8Array): number {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 7n) | BigInt(bytes[i] & 0x7f);
  return Number(BigInt.asIntN(64, v));
}

/** Iterates the fields of one protobuf message; unknown fields are simply skipped by callers. */
export function* protoFields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    const [value, next] = readVarint(buf, pos);
    pos = next;
    return value;
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) yield { no, wire, varint: varint() };
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw malformed(`field ${no} runs past the end of the message`);
      yield { no, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw malformed(`unsupported wire type ${wire} for field ${no}`);
    if (pos > buf.length) throw malformed('truncated fixed-width field');
  }
}

const malformed = (why: string) => ApiError.badRequest(`malformed protobuf body: ${why}`);
const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function lengthDelimited(f: Field): Uint8Array {
  if (f.bytes === undefined) throw malformed(`field ${f.no} should be length-delimited`);
  return f.bytes;
}

function varintOf(f: Field): number {
  if (f.varint === undefined) throw malformed(`field ${f.no} should be a varint`);
  return f.varint;
}

/** Decodes one message of `type` into a JSON object, following `schema`. */
export function decodeMessage(type: string, buf: Uint8Array, schema: Schema = KUBE_SCHEMA): Record<string, unknown> {
  const table = schema[type];
  if (!table) throw new Error(`protobuf schema has no message ${type}`);
  const out: Record<string, unknown> = {};
  for (const f of protoFields(buf)) {
    const spec = table[f.no];
    if (spec) put(out, spec, f, schema);
  }
  return out;
}

function put(out: Record<string, unknown>, spec: FieldSpec, f: Field, schema: Schema): void {
  const { name, type } = spec;
  if (type.startsWith('repeated ')) {
    const elem = type.slice('repeated '.length);
    const list = (out[name] ??= []) as unknown[];
    if (f.wire === 2 && (elem === 'int32' || elem === 'int64' || elem === 'bool')) {
      // Packed encoding: proto2 gogo output never packs, but a decoder must accept both.
      for (const v of packedVarints(f)) list.push(elem === 'bool' ? v !== 0 : v);
    } else list.push(single(elem, f, schema));
    return;
  }
  if (type.startsWith('map<')) {
    const valueType = type.slice('map<string,'.length, -1);
    let key = '';
    let value: unknown = valueType === 'quantity' ? '0' : '';
    for (const e of protoFields(lengthDelimited(f))) {
      if (e.no === 1) key = utf8(lengthDelimited(e));
      else if (e.no === 2) value = single(valueType, e, schema);
    }
    ((out[name] ??= {}) as Record<string, unknown>)[key] = value;
    return;
  }
  const value = single(type, f, schema);
  if (value === undefined) return;
  if (spec.inline) Object.assign(out, value);
  // Only scalars can be "empty" to omitempty: messages are Go structs or set pointers.
  else if (spec.keep || !isScalar(type) || (value !== '' && value !== 0 && value !== false)) out[name] = value;
}

const isScalar = (type: string) => type === 'string' || type === 'int32' || type === 'int64' || type === 'bool' || type === 'bytes';

function* packedVarints(f: Field): Generator<number> {
  const buf = lengthDelimited(f);
  for (let pos = 0; pos < buf.length; ) {
    const [value, next] = readVarint(buf, pos);
    pos = next;
    yield value;
  }
}

function single(type: string, f: Field, schema: Schema): unknown {
  switch (type) {
    case 'string':
      return utf8(lengthDelimited(f));
    case 'bytes':
      return Buffer.from(lengthDelimited(f)).toString('base64');
    case 'int32':
    case 'int64':
      return varintOf(f);
    case 'bool':
      return varintOf(f) !== 0;
    case 'time':
      return time(lengthDelimited(f));
    case 'quantity':
      return decodeMessage('Quantity', lengthDelimited(f), BUILT_IN).string ?? '';
    case 'intOrString': {
      const v = decodeMessage('IntOrString', lengthDelimited(f), BUILT_IN);
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
  }
  if (type.startsWith('message:')) return decodeMessage(type.slice('message:'.length), lengthDelimited(f), schema);
  throw new Error(`protobuf schema uses an unknown field type ${type}`);
}

/** apimachinery's util/intstr and api/resource messages, and meta/v1 Time. */
const BUILT_IN: Schema = {
  IntOrString: { 1: { name: 'type', type: 'int64' }, 2: { name: 'intVal', type: 'int32' }, 3: { name: 'strVal', type: 'string' } },
  Quantity: { 1: { name: 'string', type: 'string' } },
  Time: { 1: { name: 'seconds', type: 'int64' }, 2: { name: 'nanos', type: 'int32' } },
};

function time(buf: Uint8Array): string | undefined {
  const seconds = Number(decodeMessage('Time', buf, BUILT_IN).seconds ?? 0);
  // A zero time is Go's "unset": JSON renders it as null, which we omit.
  return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Decodes a `k8s\0`-prefixed protobuf body into the JSON object kubectl meant to send. */
export function decodeKubeProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw malformed('missing the "k8s\\0" prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  let contentEncoding = '';
  for (const f of protoFields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of protoFields(lengthDelimited(f))) {
        if (t.no === 1) apiVersion = utf8(lengthDelimited(t));
        else if (t.no === 2) kind = utf8(lengthDelimited(t));
      }
    } else if (f.no === 2) raw = lengthDelimited(f);
    else if (f.no === 3) contentEncoding = utf8(lengthDelimited(f));
  }
  if (contentEncoding) throw ApiError.unsupportedMediaType(`${PROTOBUF_CONTENT_TYPE} with contentEncoding "${contentEncoding}"`);
  const message = DECODED_KINDS[`${apiVersion}/${kind}`];
  if (!message) {
    const known = [...new Set(Object.keys(DECODED_KINDS).map((k) => k.slice(k.lastIndexOf('/') + 1)))];
    throw ApiError.unsupportedMediaType(
      `${PROTOBUF_CONTENT_TYPE} for ${kind ? `${apiVersion} ${kind}` : 'an unnamed kind'}: only ${known.join(', ')} are decoded; send JSON instead (kubectl apply -f / create -f, or kubectl 1.31 or older; --validate=false does not help)`,
    );
  }
  return { apiVersion, kind, ...decodeMessage(message, raw) };
}
