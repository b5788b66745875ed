import { annotations, dns1035Label, dnsLabel, dnsSubdomain, labels } from './checks';
import { Check, Rule, invalid } from './rule';

/** ObjectMeta DTOs. The name rule differs per kind, so each rule gets its own subclass. */
const nameRequired: Check = (v, owner) =>
  (v === undefined || v === null || v === '') && !owner?.generateName
    ? { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }
    : undefined;

export abstract class MetaBaseDto {
  @Rule(dnsLabel) namespace?: string;
  @Rule(labels) labels?: Record<string, string>;
  @Rule(annotations) annotations?: Record<string, string>;
}

/** Most kinds: a DNS-1123 subdomain. */
export class SubdomainMetaDto extends MetaBaseDto {
  @Rule(nameRequired, dnsSubdomain) name?: string;
}

/** Namespaces: a DNS-1123 label. */
export class LabelMetaDto extends MetaBaseDto {
  @Rule(nameRequired, dnsLabel) name?: string;
}

/** Services: a DNS-1035 label (the name becomes a DNS name and an env var prefix). */
export class Dns1035MetaDto extends MetaBaseDto {
  @Rule(nameRequired, dns1035Label) name?: string;
}

/** CronJobs: a subdomain of at most 52 characters, so `<name>-<minutes>` Job names stay a 63-character label. */
export class CronJobMetaDto extends MetaBaseDto {
  @Rule(nameRequired, dnsSubdomain, (v) => (typeof v === 'string' && v.length > 52 ? invalid(v, 'must be no more than 52 characters') : undefined)) name?: string;
}

/** Pod template metadata: the name is ignored, labels and annotations still validated. */
export class TemplateMetaDto extends MetaBaseDto {}
