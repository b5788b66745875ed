import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { CronParseError, parseCronSchedule } from '../cron/cron-schedule';
import { isKnownTimeZone } from '../cron/wall-clock';
import { nonNegativeInt } from './checks';
import { CronJobMetaDto, TemplateMetaDto } from './meta.dto';
import { type Check, Rule, invalid, notSupported, required } from './rule';
import { JobSpecDto } from './workloads.dto';

/** CronJob (batch/v1), with kube-apiserver's messages. */

const TZ_IN_SCHEDULE = /^(CRON_)?TZ=/;

const schedule: Check = (v) => {
  if (v === undefined || v === null || v === '') return required();
  if (typeof v !== 'string') return invalid(v, 'must be a string');
  if (TZ_IN_SCHEDULE.test(v.trim())) return invalid(v, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  try {
    parseCronSchedule(v);
    return undefined;
  } catch (err) {
    if (err instanceof CronParseError) return invalid(v, err.message);
    throw err;
  }
};

const timeZone: Check = (v) => {
  if (v === undefined || v === null) return undefined;
  if (v === '') return invalid(v, 'timeZone must be nil or non-empty string');
  if (typeof v === 'string' && v.toLowerCase() === 'local') return invalid(v, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones');
  return typeof v === 'string' && isKnownTimeZone(v) ? undefined : invalid(v, `unknown time zone ${v}`);
};

export class JobTemplateDto {
  @ValidateNested() @Type(() => TemplateMetaDto) metadata?: TemplateMetaDto;
  @ValidateNested() @Type(() => JobSpecDto) spec?: JobSpecDto;
}

export class CronJobSpecDto {
  @Rule(schedule) schedule?: string;
  @Rule(timeZone) timeZone?: string;
  @Rule(nonNegativeInt) startingDeadlineSeconds?: number;
  @Rule((v) => (v === undefined || v === null || v === '' ? required() : ['Allow', 'Forbid', 'Replace'].includes(v) ? undefined : notSupported(v, ['Allow', 'Forbid', 'Replace']))) concurrencyPolicy?: string;
  @Rule(nonNegativeInt) successfulJobsHistoryLimit?: number;
  @Rule(nonNegativeInt) failedJobsHistoryLimit?: number;
  @ValidateNested() @Type(() => JobTemplateDto) jobTemplate?: JobTemplateDto;
}

export class CronJobDto {
  @ValidateNested() @Type(() => CronJobMetaDto) metadata?: CronJobMetaDto;
  @ValidateNested() @Type(() => CronJobSpecDto) spec?: CronJobSpecDto;
}
