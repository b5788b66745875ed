import { applyDefaults } from '../defaults';
import type { KubeObject } from '../object';
import { makeCronJob, makeDaemonSet, makeObject, makeStatefulSet } from '../testing/builders';
import { validateObject } from './validate-object';
import { validateUpdate } from './validate-update';

type Expect = [field: string, reason: string, message?: string | RegExp];

/** As the API server does it: defaults first, then validation. */
const causesOf = (obj: KubeObject) => validateObject(applyDefaults(obj));

describe('validateObject for DaemonSet, StatefulSet, ControllerRevision and CronJob', () => {
  it.each<[string, KubeObject]>([
    ['daemonset', makeDaemonSet().obj()],
    ['daemonset OnDelete', makeDaemonSet().with('spec.updateStrategy', { type: 'OnDelete' }).obj()],
    ['daemonset surging', makeDaemonSet().with('spec.updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } }).obj()],
    ['statefulset', makeStatefulSet().replicas(3).with('spec.serviceName', 'web').obj()],
    ['statefulset Parallel OnDelete', makeStatefulSet().with('spec.podManagementPolicy', 'Parallel').with('spec.updateStrategy', { type: 'OnDelete' }).obj()],
    ['statefulset with claim templates', makeStatefulSet().with('spec.volumeClaimTemplates', [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]).obj()],
    ['controllerrevision', makeObject('apps/v1', 'ControllerRevision', 'web-6d8f', 'default').with('data', { spec: {} }).with('revision', 1).obj()],
    ['cronjob', makeCronJob().obj()],
    ['cronjob @hourly in a zone', makeCronJob().schedule('@hourly').with('spec.timeZone', 'Europe/Berlin').obj()],
    ['cronjob with a 52-character name', makeCronJob('c'.repeat(52)).obj()],
  ])('%s has no causes', (_name, obj) => {
    expect(causesOf(obj)).toEqual([]);
  });

  it.each<[string, KubeObject, Expect[]]>([
    ['daemonset without selector', makeDaemonSet().with('spec.selector', undefined).obj(), [['spec.selector', 'FieldValueRequired']]],
    ['daemonset with empty selector', makeDaemonSet().with('spec.selector', {}).obj(), [['spec.selector', 'FieldValueInvalid', /empty selector is invalid for daemonset/]]],
    ['daemonset template not selected', makeDaemonSet().with('spec.template.metadata.labels', { app: 'x' }).obj(), [['spec.template.metadata.labels', 'FieldValueInvalid', /`selector` does not match template `labels`/]]],
    ['daemonset restartPolicy Never', makeDaemonSet().with('spec.template.spec.restartPolicy', 'Never').obj(), [['spec.template.spec.restartPolicy', 'FieldValueNotSupported']]],
    ['daemonset activeDeadlineSeconds', makeDaemonSet().with('spec.template.spec.activeDeadlineSeconds', 10).obj(), [['spec.template.spec.activeDeadlineSeconds', 'FieldValueForbidden', 'Forbidden: activeDeadlineSeconds in DaemonSet is not Supported']]],
    ['daemonset unknown strategy', makeDaemonSet().with('spec.updateStrategy', { type: 'Surge' }).obj(), [['spec.updateStrategy.type', 'FieldValueNotSupported', 'Unsupported value: "Surge": supported values: "OnDelete", "RollingUpdate"']]],
    ['daemonset both zero', makeDaemonSet().with('spec.updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }).obj(), [['spec.updateStrategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid', 'Invalid value: 0: may not be 0 when `maxSurge` is 0']]],
    ['daemonset over 100%', makeDaemonSet().with('spec.updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } }).obj(), [['spec.updateStrategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid', 'Invalid value: "150%": must not be greater than 100%']]],
    ['statefulset negative replicas', makeStatefulSet().replicas(-1).obj(), [['spec.replicas', 'FieldValueInvalid']]],
    ['statefulset bad policy', makeStatefulSet().with('spec.podManagementPolicy', 'Random').obj(), [['spec.podManagementPolicy', 'FieldValueNotSupported', 'Unsupported value: "Random": supported values: "OrderedReady", "Parallel"']]],
    ['statefulset bad strategy', makeStatefulSet().with('spec.updateStrategy', { type: 'Canary' }).obj(), [['spec.updateStrategy.type', 'FieldValueInvalid', `Invalid value: "Canary": must be 'RollingUpdate' or 'OnDelete'`]]],
    ['statefulset OnDelete with rollingUpdate', makeStatefulSet().with('spec.updateStrategy', { type: 'OnDelete', rollingUpdate: { partition: 1 } }).obj(), [['spec.updateStrategy.rollingUpdate', 'FieldValueInvalid', /only allowed for updateStrategy 'RollingUpdate'/]]],
    ['statefulset negative partition', makeStatefulSet().with('spec.updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }).obj(), [['spec.updateStrategy.rollingUpdate.partition', 'FieldValueInvalid']]],
    ['statefulset bad retention', makeStatefulSet().with('spec.persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Shred' }).obj(), [['spec.persistentVolumeClaimRetentionPolicy.whenDeleted', 'FieldValueNotSupported']]],
    ['statefulset claim template without name', makeStatefulSet().with('spec.volumeClaimTemplates', [{ spec: {} }]).obj(), [['spec.volumeClaimTemplates[0].metadata.name', 'FieldValueRequired']]],
    ['statefulset missing image', makeStatefulSet().image('').obj(), [['spec.template.spec.containers[0].image', 'FieldValueRequired']]],
    ['controllerrevision without data', makeObject('apps/v1', 'ControllerRevision', 'r', 'default').with('revision', 1).obj(), [['data', 'FieldValueRequired']]],
    ['controllerrevision negative revision', makeObject('apps/v1', 'ControllerRevision', 'r', 'default').with('data', {}).with('revision', -1).obj(), [['revision', 'FieldValueInvalid']]],
    ['cronjob name too long', makeCronJob('c'.repeat(53)).obj(), [['metadata.name', 'FieldValueInvalid', /must be no more than 52 characters/]]],
    ['cronjob without schedule', makeCronJob().schedule('').obj(), [['spec.schedule', 'FieldValueRequired']]],
    ['cronjob bad schedule', makeCronJob().schedule('61 * * * *').obj(), [['spec.schedule', 'FieldValueInvalid', 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']]],
    ['cronjob TZ in schedule', makeCronJob().schedule('TZ=UTC 0 * * * *').obj(), [['spec.schedule', 'FieldValueInvalid', /cannot use TZ or CRON_TZ in schedule, use timeZone field instead/]]],
    ['cronjob unknown zone', makeCronJob().with('spec.timeZone', 'Mars/Base').obj(), [['spec.timeZone', 'FieldValueInvalid', 'Invalid value: "Mars/Base": unknown time zone Mars/Base']]],
    ['cronjob Local zone', makeCronJob().with('spec.timeZone', 'Local').obj(), [['spec.timeZone', 'FieldValueInvalid', /must be an explicit time zone/]]],
    ['cronjob bad policy', makeCronJob().with('spec.concurrencyPolicy', 'Sometimes').obj(), [['spec.concurrencyPolicy', 'FieldValueNotSupported', 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']]],
    ['cronjob negative deadline', makeCronJob().with('spec.startingDeadlineSeconds', -5).obj(), [['spec.startingDeadlineSeconds', 'FieldValueInvalid']]],
    ['cronjob negative history', makeCronJob().with('spec.successfulJobsHistoryLimit', -1).obj(), [['spec.successfulJobsHistoryLimit', 'FieldValueInvalid']]],
    ['cronjob restartPolicy Always', makeCronJob().with('spec.jobTemplate.spec.template.spec.restartPolicy', 'Always').obj(), [['spec.jobTemplate.spec.template.spec.restartPolicy', 'FieldValueNotSupported']]],
    ['cronjob without jobTemplate', makeCronJob().with('spec.jobTemplate', undefined).obj(), [['spec.jobTemplate.spec.template.spec.containers', 'FieldValueRequired']]],
  ])('%s', (_name, obj, expected) => {
    const causes = causesOf(obj);
    expect(causes.map((c) => [c.field, c.reason])).toEqual(expected.map(([f, r]) => [f, r]));
    expected.forEach(([, , message], i) => {
      if (typeof message === 'string') expect(causes[i].message).toBe(message);
      else if (message) expect(causes[i].message).toMatch(message);
    });
  });
});

describe('validateUpdate', () => {
  const sts = applyDefaults(makeStatefulSet().replicas(3).with('spec.serviceName', 'web').obj());
  const change = (o: KubeObject, path: string, value: unknown) => {
    const c = structuredClone(o);
    const keys = path.split('.');
    let cur: any = c;
    for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
    cur[keys[keys.length - 1]] = value;
    return c;
  };

  it.each([
    ['replicas', 'spec.replicas', 5],
    ['template', 'spec.template.spec.containers', [{ name: 'c', image: 'nginx:1.26' }]],
    ['updateStrategy', 'spec.updateStrategy', { type: 'OnDelete' }],
    ['minReadySeconds', 'spec.minReadySeconds', 5],
    ['revisionHistoryLimit', 'spec.revisionHistoryLimit', 2],
  ])('lets a StatefulSet change %s', (_name, path, value) => {
    expect(validateUpdate(sts, change(sts, path, value))).toEqual([]);
  });

  it.each([
    ['serviceName', 'spec.serviceName', 'other'],
    ['podManagementPolicy', 'spec.podManagementPolicy', 'Parallel'],
    ['selector', 'spec.selector', { matchLabels: { app: 'web', v: '2' } }],
    ['volumeClaimTemplates', 'spec.volumeClaimTemplates', [{ metadata: { name: 'data' } }]],
  ])('forbids a StatefulSet to change %s', (_name, path, value) => {
    expect(validateUpdate(sts, change(sts, path, value))).toEqual([
      { reason: 'FieldValueForbidden', field: 'spec', message: expect.stringMatching(/^Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'/) },
    ]);
  });

  it('keeps a DaemonSet selector and a ControllerRevision data as they were', () => {
    const ds = applyDefaults(makeDaemonSet().obj());
    expect(validateUpdate(ds, change(ds, 'spec.template.spec.containers', [{ name: 'c', image: 'x:2' }]))).toEqual([]);
    expect(validateUpdate(ds, change(ds, 'spec.selector', { matchLabels: { app: 'other' } }))).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: {"matchLabels":{"app":"other"}}: field is immutable' },
    ]);
    const cr = makeObject('apps/v1', 'ControllerRevision', 'r', 'default').with('data', { a: 1 }).with('revision', 1).obj();
    expect(validateUpdate(cr, change(cr, 'revision', 2))).toEqual([]);
    expect(validateUpdate(cr, change(cr, 'data', { a: 2 })).map((c) => c.field)).toEqual(['data']);
  });
});
