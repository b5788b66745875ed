import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { KEY_USAGES, parseCertificateRequest } from '../certificates';
import { SubdomainMetaDto } from './meta.dto';
import { type Check, duplicate, invalid, type Issue, notSupported, required, Rule } from './rule';

const absent = (v: unknown) => v === undefined || v === null || v === '';
const SIGNER_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)\/([-a-zA-Z0-9._~!$&'()*+,;=:@]+)$/;

/** kube's ParseCSR on the PEM the base64 carries. */
const certificateRequest: Check = (v): Issue | undefined => {
  if (absent(v)) return invalid('', 'PEM block type must be CERTIFICATE REQUEST');
  if (typeof v !== 'string') return invalid(v, 'must be a base64 string');
  try {
    parseCertificateRequest(v);
    return undefined;
  } catch (err) {
    // kube prints the []byte value; the base64 text says the same without the noise.
    return invalid(v, (err as Error).message);
  }
};

/** ValidateSignerName: a fully qualified domain, a slash, a path. */
const signerName: Check = (v): Issue | undefined => {
  if (absent(v)) return required();
  if (typeof v !== 'string' || !SIGNER_NAME.test(v)) return invalid(v, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
  return undefined;
};

const usages: Check = (v): Issue | Issue[] | undefined => {
  if (absent(v) || (Array.isArray(v) && v.length === 0)) return { ...required(), message: 'Required value: usages must be provided' };
  if (!Array.isArray(v)) return invalid(v, 'must be a list');
  const issues: Issue[] = [];
  const seen = new Set<string>();
  v.forEach((u, i) => {
    if (!(KEY_USAGES as readonly string[]).includes(u)) issues.push(notSupported(u, KEY_USAGES, `[${i}]`));
    else if (seen.has(u)) issues.push(duplicate(u, `[${i}]`));
    seen.add(u);
  });
  return issues.length ? issues : undefined;
};

const expirationSeconds: Check = (v): Issue | undefined => {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return invalid(v, 'must be an integer');
  return v < 600 ? invalid(v, 'may not specify a duration less than 600 seconds (10 minutes)') : undefined;
};

/** At most one of Approved and Denied, each condition type once (kube's validateConditions). */
const conditions: Check = (v): Issue | Issue[] | undefined => {
  if (absent(v)) return undefined;
  if (!Array.isArray(v)) return invalid(v, 'must be a list');
  const issues: Issue[] = [];
  const seen = new Set<string>();
  v.forEach((c, i) => {
    if (absent(c?.type)) issues.push(required(`[${i}].type`));
    else if (seen.has(c.type)) issues.push(duplicate(c.type, `[${i}].type`));
    else seen.add(c.type);
    if (!absent(c?.status) && !['True', 'False', 'Unknown'].includes(c.status)) issues.push(notSupported(c.status, ['True', 'False', 'Unknown'], `[${i}].status`));
  });
  const decided = v.filter((c) => (c?.type === 'Approved' || c?.type === 'Denied') && c?.status !== 'False');
  if (decided.some((c) => c.type === 'Approved') && decided.some((c) => c.type === 'Denied')) {
    issues.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "Approved": Approved and Denied conditions are mutually exclusive' });
  }
  return issues.length ? issues : undefined;
};

const certificate: Check = (v): Issue | undefined => {
  if (absent(v)) return undefined;
  const text = typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
  if (!/-----BEGIN CERTIFICATE-----/.test(text)) return invalid('<certificate data>', 'must contain at least one CERTIFICATE PEM block');
  return undefined;
};

export class CertificateSigningRequestSpecDto {
  @Rule(certificateRequest) request?: string;
  @Rule(signerName) signerName?: string;
  @Rule(usages) usages?: string[];
  @Rule(expirationSeconds) expirationSeconds?: number;
}

export class CertificateSigningRequestStatusDto {
  @Rule(conditions) conditions?: unknown[];
  @Rule(certificate) certificate?: string;
}

export class CertificateSigningRequestDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => CertificateSigningRequestSpecDto) spec?: CertificateSigningRequestSpecDto;
  @ValidateNested() @Type(() => CertificateSigningRequestStatusDto) status?: CertificateSigningRequestStatusDto;
}
