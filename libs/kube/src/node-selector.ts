/**
 * Node selector requirements (nodeAffinity, PersistentVolume nodeAffinity) as Kubernetes reads
 * them: In, NotIn, Exists, DoesNotExist, and Gt/Lt on integers. Pure.
 */
export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | string;
  readonly values?: readonly string[];
}

const INTEGER = /^-?\d+$/;

export function matchesNodeSelectorRequirement(req: NodeSelectorRequirement, fields: Record<string, string> | undefined): boolean {
  const has = !!fields && Object.prototype.hasOwnProperty.call(fields, req.key);
  const value = has ? fields![req.key] : undefined;
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !INTEGER.test(value!) || values.length !== 1 || !INTEGER.test(values[0])) return false;
      return req.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}
