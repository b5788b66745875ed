import { f, k, type Schema } from './schema';

/**
 * k8s.io/api v0.32 certificates/v1/generated.proto: what `kubectl certificate approve|deny`
 * (1.32) sends to `/approval`. `spec.extra` (a map of ExtraValue messages) is not decoded: the
 * API server sets the requester's fields itself.
 */
export const CERTIFICATES_V1: Schema = {
  CertificateSigningRequest: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:CertificateSigningRequestSpec'), 3: f('status', 'message:CertificateSigningRequestStatus') },
  CertificateSigningRequestSpec: {
    1: f('request', 'bytes'),
    2: f('username', 'string'),
    3: f('uid', 'string'),
    4: f('groups', 'repeated string'),
    5: f('usages', 'repeated string'),
    7: f('signerName', 'string'),
    8: k('expirationSeconds', 'int32'),
  },
  CertificateSigningRequestStatus: { 1: f('conditions', 'repeated message:CertificateSigningRequestCondition'), 2: f('certificate', 'bytes') },
  CertificateSigningRequestCondition: {
    1: f('type', 'string'),
    2: f('reason', 'string'),
    3: f('message', 'string'),
    4: f('lastUpdateTime', 'time'),
    5: f('lastTransitionTime', 'time'),
    6: f('status', 'string'),
  },
};
