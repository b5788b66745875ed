import { withDefaultStorageClass } from '@logbook/kube';
import type { MutatingAdmission } from '../admission';

/** kube's DefaultStorageClass: a claim created without a class gets the default one (libs/kube's withDefaultStorageClass). */
export const DEFAULT_STORAGE_CLASS: MutatingAdmission = {
  name: 'DefaultStorageClass',
  admit({ operation, object }, state) {
    if (operation !== 'CREATE' || object?.kind !== 'PersistentVolumeClaim') return undefined;
    return withDefaultStorageClass(object, state.list('StorageClass', {}));
  },
};
