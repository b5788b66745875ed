import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { dataMap, dnsLabel, intOrPortName, labels, oneOf, optionalList, optionalPortNumber, portNumber, present, uniqueBy } from './checks';
import { Dns1035MetaDto, LabelMetaDto, SubdomainMetaDto } from './meta.dto';
import { PodSpecDto, PROTOCOLS } from './pod.dto';
import { Check, invalid, Issue, required, Rule } from './rule';
import { nodeSpecIssues } from './node-spec';

export class NamespaceDto {
  @ValidateNested() @Type(() => LabelMetaDto) metadata?: LabelMetaDto;
}

export class NodeDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(nodeSpecIssues) spec?: unknown;
}

export class PodDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => PodSpecDto) spec?: PodSpecDto;
}

export class ServicePortDto {
  @Rule(portNumber) port?: number;
  @Rule(intOrPortName) targetPort?: number | string;
  @Rule(optionalPortNumber) nodePort?: number;
  @Rule(oneOf(PROTOCOLS)) protocol?: string;
  // Service and Endpoints port names are DNS labels (kubectl create service names them "80-8080");
  // only container ports use the stricter IANA service-name syntax.
  @Rule(dnsLabel) name?: string;
}

const headlessOrExternal = (spec: any) => spec?.type === 'ExternalName' || spec?.clusterIP === 'None';

/** Ports are required (unless headless or ExternalName); with several, each needs a unique name. */
const servicePorts: Check = (ports, spec) => {
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) {
    return headlessOrExternal(spec) ? undefined : required();
  }
  if (!Array.isArray(ports)) return invalid(ports, 'must be a list');
  if (ports.length < 2) return undefined;
  const issues: Issue[] = [];
  ports.forEach((p, i) => {
    if (!p?.name) issues.push(required(`[${i}].name`));
  });
  return issues;
};

export class ServiceSpecDto {
  @Rule(oneOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'])) type?: string;
  @Rule(servicePorts, uniqueBy('name', { skipEmpty: true }))
  @ValidateNested({ each: true })
  @Type(() => ServicePortDto)
  ports?: ServicePortDto[];
  @Rule(oneOf(['ClientIP', 'None'])) sessionAffinity?: string;
  @Rule(oneOf(['Cluster', 'Local'])) internalTrafficPolicy?: string;
  @Rule(labels) selector?: Record<string, string>;
  @Rule((v, spec) => (spec?.type === 'ExternalName' && !v ? required() : undefined)) externalName?: string;
}

export class ServiceDto {
  @ValidateNested() @Type(() => Dns1035MetaDto) metadata?: Dns1035MetaDto;
  @ValidateNested() @Type(() => ServiceSpecDto) spec?: ServiceSpecDto;
}

export class EndpointAddressDto {
  @Rule(present) ip?: string;
}

export class EndpointPortDto {
  @Rule(portNumber) port?: number;
  @Rule(oneOf(PROTOCOLS)) protocol?: string;
  @Rule(dnsLabel) name?: string;
}

export class EndpointSubsetDto {
  @IsOptional() @Rule(optionalList) @ValidateNested({ each: true }) @Type(() => EndpointAddressDto) addresses?: EndpointAddressDto[];
  @IsOptional() @Rule(optionalList) @ValidateNested({ each: true }) @Type(() => EndpointAddressDto) notReadyAddresses?: EndpointAddressDto[];
  @IsOptional() @Rule(optionalList) @ValidateNested({ each: true }) @Type(() => EndpointPortDto) ports?: EndpointPortDto[];
}

export class EndpointsDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @IsOptional() @Rule(optionalList) @ValidateNested({ each: true }) @Type(() => EndpointSubsetDto) subsets?: EndpointSubsetDto[];
}

export class ConfigMapDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(dataMap({ base64: false })) data?: Record<string, string>;
  @Rule(dataMap({ base64: true })) binaryData?: Record<string, string>;
}

export class SecretDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(dataMap({ base64: true })) data?: Record<string, string>;
  @Rule(dataMap({ base64: false })) stringData?: Record<string, string>;
}

export class EventDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule((io, event) => {
    const ns = event?.metadata?.namespace;
    return io?.namespace && ns && io.namespace !== ns ? invalid(io.namespace, 'does not match event.namespace', '.namespace') : undefined;
  })
  involvedObject?: Record<string, unknown>;
  @Rule(oneOf(['Normal', 'Warning'])) type?: string;
}
