/**
 * Declarative protobuf schema: one table per message, field number → JSON name and type.
 *
 * Field numbers are copied from the `generated.proto` files of k8s.io/api v0.32 and
 * k8s.io/apimachinery v0.32 (core/v1, apps/v1, batch/v1, autoscaling/v1, meta/v1, util/intstr, api/resource),
 * as read from the FileDescriptorProtos that kubectl v1.32.4 embeds (gogo's registered
 * `fileDescriptor_*` blobs), cross-checked against kubernetes/api core/v1/generated.proto.
 * Only the fields kubectl create emits plus the ones people commonly write are listed;
 * the decoder skips every other field, so a gap loses data silently — add a row, not code.
 */
export type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';
/** Well-known apimachinery messages that JSON renders as a scalar. */
export type Special = 'intOrString' | 'quantity' | 'time';
export type Single = Scalar | Special | `message:${string}`;
export type FieldType = Single | `repeated ${Single}` | 'map<string,string>' | 'map<string,bytes>' | 'map<string,quantity>';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /**
   * Emit the value even when it is zero: the Go field is a pointer (present on the wire means
   * set) or its JSON tag has no omitempty. Without it a zero scalar is dropped, as omitempty does.
   */
  readonly keep?: true;
  /** The Go field is an embedded struct (`json:",inline"`): its fields land in the parent object. */
  readonly inline?: true;
}

export type MessageTable = Readonly<Record<number, FieldSpec>>;
export type Schema = Readonly<Record<string, MessageTable>>;

// Short constructors keep the tables one row per field.
export const f = (name: string, type: FieldType): FieldSpec => ({ name, type });
/** A pointer or non-omitempty field: zero values survive. */
export const k = (name: string, type: FieldType): FieldSpec => ({ name, type, keep: true });
export const inline = (type: `message:${string}`): FieldSpec => ({ name: '', type, inline: true });
