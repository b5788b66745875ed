import { compare } from 'fast-json-patch';

export interface FieldChange {
  readonly path: string; // kube-style field path: spec.template.spec.containers[0].image
  readonly op: 'add' | 'remove' | 'replace';
  readonly from?: unknown;
  readonly to?: unknown;
}

/** Field-level differences between two versions of an object, in kube field-path notation. */
export function changeList(before: unknown, after: unknown): FieldChange[] {
  const b = strip(before);
  const a = strip(after);
  return compare(b ?? {}, a ?? {}).flatMap((op): FieldChange[] => {
    if (op.op !== 'add' && op.op !== 'remove' && op.op !== 'replace') return [];
    const pointer = op.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const from = op.op === 'add' ? undefined : pointer.reduce<any>((o, k) => (o == null ? undefined : o[k]), b);
    return [{ path: fieldPath(pointer), op: op.op, ...(from !== undefined ? { from } : {}), ...(op.op !== 'remove' ? { to: (op as any).value } : {}) }];
  });
}

function fieldPath(pointer: string[]): string {
  return pointer.reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg.includes('.') ? `"${seg}"` : seg}` : seg), '');
}

/** resourceVersion changes with every event and says nothing a reader needs. */
function strip(obj: any): any {
  if (!obj) return obj;
  const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}
