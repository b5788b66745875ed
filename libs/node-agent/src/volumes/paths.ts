import { isAbsolute, join, normalize } from 'node:path';
import { VolumeError } from './volume-error';

/**
 * The kubelet's on-disk layout, kept so that an operator who knows it finds their way:
 * `<podsDir>/<uid>/volumes/kubernetes.io~<plugin>/<volume>` for a pod's own volumes and
 * `<podsDir>/<uid>/volume-subpaths/<volume>/<container>/<index>` for subPath bind mounts.
 */
export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

export type PluginKind = keyof typeof PLUGIN_DIRS;

export function podDir(podsDir: string, uid: string): string {
  return join(podsDir, segment(uid, 'pod uid'));
}

export function volumeDir(podsDir: string, uid: string, plugin: PluginKind, volume: string): string {
  return join(podDir(podsDir, uid), 'volumes', PLUGIN_DIRS[plugin], segment(volume, 'volume name'));
}

export function subPathTarget(podsDir: string, uid: string, volume: string, container: string, index: number): string {
  return join(podDir(podsDir, uid), 'volume-subpaths', segment(volume, 'volume name'), segment(container, 'container name'), String(index));
}

/** One path element taken from the API (uid, volume or container name): never a way out of its parent. */
function segment(value: string, what: string): string {
  if (!value || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) throw new VolumeError('FailedMount', `invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

const MAX_PATH = 4096;
const MAX_NAME = 255;

/**
 * A file path inside a configMap/secret/downwardAPI/projected volume (an item's `path`, or a
 * key used as one), checked as the kubelet's atomic writer checks it and normalised
 * (`a//b/./c` → `a/b/c`). The API rejects these too; the agent checks again because the files
 * are written by root on the host.
 */
export function validateItemPath(path: string): string {
  const fail = (why: string) => new VolumeError('FailedMount', `invalid path ${JSON.stringify(path)}: ${why}`);
  if (!path) throw fail('must not be empty');
  if (path.length > MAX_PATH) throw fail(`must be less than or equal to ${MAX_PATH} characters`);
  if (path.includes('\0')) throw fail('must not contain NUL');
  if (isAbsolute(path)) throw fail('must be relative path');
  const parts = path.split('/');
  if (parts.some((p) => p.length > MAX_NAME)) throw fail(`path segment must be less than or equal to ${MAX_NAME} characters`);
  if (parts.includes('..')) throw fail("must not contain '..'");
  if (path.startsWith('..')) throw fail("must not start with '..'");
  const clean = normalize(path).replace(/\/+$/, '');
  if (clean === '.' || clean === '') throw fail('must name a file');
  return clean;
}

/** A volumeMount's subPath (after subPathExpr expansion): relative and without back-steps, in kubelet's words. */
export function validateSubPath(subPath: string): string {
  if (isAbsolute(subPath)) throw new VolumeError('CreateContainerConfigError', `error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new VolumeError('CreateContainerConfigError', `unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  if (subPath.includes('\0')) throw new VolumeError('CreateContainerConfigError', `unable to provision SubPath \`${subPath}\`: must not contain NUL`);
  return normalize(subPath);
}

/** Whether `child` is `parent` or below it (both absolute and already resolved). */
export function isWithin(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
}
