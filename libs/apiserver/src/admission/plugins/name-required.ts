import { ApiError } from '@logbook/kube';
import type { MutatingAdmission } from '../admission';

/** A CREATE must end with a name: given, or generated from `generateName` by the step before. */
export const NAME_REQUIRED: MutatingAdmission = {
  name: 'NameRequired',
  admit({ operation, object, resource }) {
    if (operation !== 'CREATE' || !object || object.metadata.name) return undefined;
    throw ApiError.invalid(resource.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }], resource.group);
  },
};
