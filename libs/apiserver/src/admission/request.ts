import type { AdmissionOperation } from './admission';
import type { WriteCommand } from '../write/commands';

/**
 * How kube-apiserver's admission names a write: the operation and the subresource it went to.
 * A binding is a CREATE of `pods/binding` (so a pod cannot be bound in a Terminating
 * namespace); a status, scale or disruption-budget write an UPDATE of its subresource.
 */
export function admissionOperation(command: WriteCommand): { operation: AdmissionOperation; subresource?: string } {
  switch (command.type) {
    case 'Create':
      return { operation: 'CREATE' };
    case 'Update':
      return { operation: 'UPDATE' };
    case 'UpdateStatus':
    case 'SpendDisruption':
      return { operation: 'UPDATE', subresource: 'status' };
    case 'UpdateApproval':
      return { operation: 'UPDATE', subresource: 'approval' };
    case 'Scale':
      return { operation: 'UPDATE', subresource: 'scale' };
    case 'Bind':
      return { operation: 'CREATE', subresource: 'binding' };
    case 'Delete':
      return { operation: 'DELETE' };
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as WriteCommand).type}`);
    }
  }
}
