import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import {
  dnsLabel,
  dnsSubdomain,
  envName,
  image,
  nonEmptyList,
  nonNegativeInt,
  oneOf,
  optionalList,
  optionalPortNumber,
  portName,
  portNumber,
  positiveInt,
  present,
  quantities,
  uniqueBy,
} from './checks';
import { TemplateMetaDto } from './meta.dto';
import { Rule } from './rule';

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export class ContainerPortDto {
  @Rule(portNumber) containerPort?: number;
  @Rule(optionalPortNumber) hostPort?: number;
  @Rule(oneOf(PROTOCOLS)) protocol?: string;
  @Rule(portName) name?: string;
}

export class EnvVarDto {
  @Rule(envName) name?: string;
}

export class ResourcesDto {
  @Rule(quantities) limits?: Record<string, unknown>;
  @Rule(quantities) requests?: Record<string, unknown>;
}

export class ContainerDto {
  @Rule(present, dnsLabel) name?: string;
  @Rule(image) image?: string;
  @Rule(oneOf(['Always', 'IfNotPresent', 'Never'])) imagePullPolicy?: string;
  @Rule(oneOf(['File', 'FallbackToLogsOnError'])) terminationMessagePolicy?: string;

  @IsOptional()
  @Rule(optionalList, uniqueBy('name', { skipEmpty: true }))
  @ValidateNested({ each: true })
  @Type(() => ContainerPortDto)
  ports?: ContainerPortDto[];

  @IsOptional()
  @Rule(optionalList)
  @ValidateNested({ each: true })
  @Type(() => EnvVarDto)
  env?: EnvVarDto[];

  @IsOptional()
  @ValidateNested()
  @Type(() => ResourcesDto)
  resources?: ResourcesDto;
}

/** Everything but restartPolicy, whose allowed values depend on the owner (Pod, Deployment, Job). */
export abstract class PodSpecBaseDto {
  @Rule(nonEmptyList, uniqueBy('name'))
  @ValidateNested({ each: true })
  @Type(() => ContainerDto)
  containers?: ContainerDto[];

  @IsOptional()
  @Rule(optionalList, uniqueBy('name'))
  @ValidateNested({ each: true })
  @Type(() => ContainerDto)
  initContainers?: ContainerDto[];

  @Rule(oneOf(['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'])) dnsPolicy?: string;
  @Rule(nonNegativeInt) terminationGracePeriodSeconds?: number;
  @Rule(positiveInt) activeDeadlineSeconds?: number;
  @Rule(dnsSubdomain) nodeName?: string;
}

export class PodSpecDto extends PodSpecBaseDto {
  @Rule(oneOf(['Always', 'OnFailure', 'Never'])) restartPolicy?: string;
}

/** Deployment and ReplicaSet pods are restarted in place, never left finished. */
export class AlwaysRestartPodSpecDto extends PodSpecBaseDto {
  @Rule(oneOf(['Always'])) restartPolicy?: string;
}

/** Job pods must be allowed to finish. */
export class JobPodSpecDto extends PodSpecBaseDto {
  @Rule(oneOf(['OnFailure', 'Never'])) restartPolicy?: string;
}

export class PodTemplateDto {
  @ValidateNested() @Type(() => TemplateMetaDto) metadata?: TemplateMetaDto;
  @ValidateNested() @Type(() => AlwaysRestartPodSpecDto) spec?: AlwaysRestartPodSpecDto;
}

export class JobPodTemplateDto {
  @ValidateNested() @Type(() => TemplateMetaDto) metadata?: TemplateMetaDto;
  @ValidateNested() @Type(() => JobPodSpecDto) spec?: JobPodSpecDto;
}

