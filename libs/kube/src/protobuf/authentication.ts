import { f, type Schema } from './schema';

/** k8s.io/api v0.32 authentication/v1/generated.proto: the TokenRequest `kubectl create token` (1.32) sends. */
export const AUTHENTICATION_V1: Schema = {
  TokenRequest: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:TokenRequestSpec') },
  TokenRequestSpec: { 1: f('audiences', 'repeated string'), 3: f('boundObjectRef', 'message:BoundObjectReference'), 4: f('expirationSeconds', 'int64') },
  BoundObjectReference: { 1: f('kind', 'string'), 2: f('apiVersion', 'string'), 3: f('name', 'string'), 4: f('uid', 'string') },
};
