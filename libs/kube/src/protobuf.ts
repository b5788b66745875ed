import { ApiError } from './api-error';

/**
 * Decoder for the Kubernetes protobuf request envelope that kubectl 1.32's typed clients send
 * (`create namespace|configmap|secret`, KUBECTL.md §10): magic `k8s\0`, then runtime.Unknown
 * {1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}. Only the kinds
 * whose schema is small are decoded; the rest get a 415 that tells the user what to do.
 */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

type Field = { no: number; wire: number; varint?: number; bytes?: Uint8Array };

/** Iterates the fields of one protobuf message; unknown fields are simply skipped by callers. */
export function* protoFields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw malformed('truncated varint');
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw malformed('varint longer than 10 bytes');
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
const utf8 = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');
const b64 = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('base64');

function mapEntry(b: Uint8Array): [string, Uint8Array] {
  let key = '';
  let value: Uint8Array = new Uint8Array();
  for (const f of protoFields(b)) {
    if (f.no === 1) key = utf8(f.bytes);
    else if (f.no === 2) value = f.bytes ?? new Uint8Array();
  }
  return [key, value];
}

function timestamp(b: Uint8Array): string | undefined {
  let seconds = 0;
  for (const f of protoFields(b)) if (f.no === 1) seconds = f.varint ?? 0;
  // A zero time is Go's "unset": JSON renders it as null, which we omit.
  return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function ownerReference(b: Uint8Array): Record<string, unknown> {
  const ref: Record<string, unknown> = {};
  const strings: Record<number, string> = { 1: 'kind', 3: 'name', 4: 'uid', 5: 'apiVersion' };
  for (const f of protoFields(b)) {
    if (strings[f.no]) ref[strings[f.no]] = utf8(f.bytes);
    else if (f.no === 6) ref.controller = f.varint === 1;
    else if (f.no === 7) ref.blockOwnerDeletion = f.varint === 1;
  }
  return ref;
}

function objectMeta(b: Uint8Array): Record<string, unknown> {
  const meta: Record<string, any> = {};
  const strings: Record<number, string> = { 1: 'name', 2: 'generateName', 3: 'namespace', 5: 'uid', 6: 'resourceVersion' };
  for (const f of protoFields(b)) {
    const s = strings[f.no];
    if (s) {
      const v = utf8(f.bytes);
      if (v !== '') meta[s] = v;
    } else if (f.no === 7 && f.varint) meta.generation = f.varint;
    else if (f.no === 8 || f.no === 9) {
      const t = timestamp(f.bytes!);
      if (t) meta[f.no === 8 ? 'creationTimestamp' : 'deletionTimestamp'] = t;
    } else if (f.no === 10) meta.deletionGracePeriodSeconds = f.varint;
    else if (f.no === 11 || f.no === 12) {
      const [k, v] = mapEntry(f.bytes!);
      (meta[f.no === 11 ? 'labels' : 'annotations'] ??= {})[k] = utf8(v);
    } else if (f.no === 13) (meta.ownerReferences ??= []).push(ownerReference(f.bytes!));
    else if (f.no === 14) (meta.finalizers ??= []).push(utf8(f.bytes));
  }
  return meta;
}

type KindDecoder = (raw: Uint8Array) => Record<string, unknown>;

const namespace: KindDecoder = (raw) => {
  const out: Record<string, any> = { metadata: {}, spec: {}, status: {} };
  for (const f of protoFields(raw)) {
    if (f.no === 1) out.metadata = objectMeta(f.bytes!);
    else if (f.no === 2) {
      for (const s of protoFields(f.bytes!)) if (s.no === 1) (out.spec.finalizers ??= []).push(utf8(s.bytes));
    } else if (f.no === 3) {
      for (const s of protoFields(f.bytes!)) if (s.no === 1 && s.bytes?.length) out.status.phase = utf8(s.bytes);
    }
  }
  return out;
};

const configMap: KindDecoder = (raw) => {
  const out: Record<string, any> = { metadata: {} };
  for (const f of protoFields(raw)) {
    if (f.no === 1) out.metadata = objectMeta(f.bytes!);
    else if (f.no === 2 || f.no === 3) {
      const [k, v] = mapEntry(f.bytes!);
      if (f.no === 2) (out.data ??= {})[k] = utf8(v);
      else (out.binaryData ??= {})[k] = b64(v);
    } else if (f.no === 4) out.immutable = f.varint === 1;
  }
  return out;
};

const secret: KindDecoder = (raw) => {
  const out: Record<string, any> = { metadata: {} };
  for (const f of protoFields(raw)) {
    if (f.no === 1) out.metadata = objectMeta(f.bytes!);
    else if (f.no === 2 || f.no === 4) {
      const [k, v] = mapEntry(f.bytes!);
      if (f.no === 2) (out.data ??= {})[k] = b64(v);
      else (out.stringData ??= {})[k] = utf8(v);
    } else if (f.no === 3) {
      const t = utf8(f.bytes);
      if (t) out.type = t;
    } else if (f.no === 5) out.immutable = f.varint === 1;
  }
  return out;
};

const DECODERS: Record<string, KindDecoder> = { Namespace: namespace, ConfigMap: configMap, Secret: secret };

/** Decodes a `k8s\0`-prefixed protobuf body into the JSON object kubectl meant to send. */
export function decodeKubeProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw malformed('missing the "k8s\\0" prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  let contentEncoding = '';
  for (const f of protoFields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of protoFields(f.bytes!)) {
        if (t.no === 1) apiVersion = utf8(t.bytes);
        else if (t.no === 2) kind = utf8(t.bytes);
      }
    } else if (f.no === 2) raw = f.bytes!;
    else if (f.no === 3) contentEncoding = utf8(f.bytes);
  }
  if (contentEncoding) throw ApiError.unsupportedMediaType(`${PROTOBUF_CONTENT_TYPE} with contentEncoding "${contentEncoding}"`);
  const decode = DECODERS[kind];
  if (!decode) {
    throw ApiError.unsupportedMediaType(
      `${PROTOBUF_CONTENT_TYPE} for ${kind || 'an unnamed kind'}: only Namespace, ConfigMap and Secret are decoded; send JSON instead (kubectl apply -f / create -f, or kubectl 1.31 or older; --validate=false does not help)`,
    );
  }
  return { apiVersion, kind, ...decode(raw) };
}
