import type { KubeObject } from './object';
import { DEFAULT_PRINTER, PRINTERS } from './table-printers';

/**
 * Renders objects as a meta.k8s.io/v1 Table, the response kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` on `get` (KUBECTL.md §3).
 */
export interface TableOptions {
  now: Date;
  resourceVersion: string;
  /** Embed the whole object in each row (`includeObject=Object`) instead of its metadata only. */
  includeObject?: boolean;
  /** Continue token of the list page, copied into the Table's metadata. */
  continue?: string;
}

export function toTable(kind: string, objects: KubeObject[], opts: TableOptions): object {
  const printer = PRINTERS[kind] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: opts.resourceVersion, ...(opts.continue ? { continue: opts.continue } : {}) },
    columnDefinitions: printer.columns,
    rows: objects.map((o) => ({
      cells: printer.cells(o, opts.now),
      // kubectl needs the metadata for -A (NAMESPACE), --show-labels and -L columns.
      object: opts.includeObject ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
