import type { ImageInfo, ImageService, RegistryAuth } from '@logbook/runtime';
import { RuntimeError } from '@logbook/runtime';
import type { BackoffPolicy } from '../backoff';
import { registryHost } from './registry-auth';

/** Why a container waits on its image, with kube's reasons (kubectl get pods shows them). */
export type PullFailure = {
  readonly ok: false;
  readonly reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';
  readonly message: string;
  /** When to look again. */
  readonly retryInMs: number;
};
export type PullOutcome = { readonly ok: true; readonly image: ImageInfo } | PullFailure;

/** A pull Event as the kubelet words them (Pulling, Pulled, Failed, BackOff). */
export type PullEvent = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

interface Backoff {
  readonly until: number;
  readonly delayMs: number;
  readonly message: string;
}

/**
 * The kubelet's image manager: applies imagePullPolicy, pulls with the pod's credentials, and
 * backs off per pod and image after a failed pull (10 s doubling to 5 min), so a bad image name
 * shows ErrImagePull once, then ImagePullBackOff until the next try.
 */
export class ImagePuller {
  private readonly backoffs = new Map<string, Backoff>();

  constructor(
    private readonly images: ImageService,
    private readonly policy: Pick<BackoffPolicy, 'baseMs' | 'maxMs'>,
    private readonly now: () => number = Date.now,
  ) {}

  async ensure(podUid: string, image: string, pullPolicy: string | undefined, auth: RegistryAuth | undefined, event: PullEvent): Promise<PullOutcome> {
    if (!image.trim()) return { ok: false, reason: 'InvalidImageName', message: 'the container has no image', retryInMs: this.policy.maxMs };
    const key = `${podUid}/${image}`;
    const present = pullPolicy === 'Always' ? undefined : await this.images.imageStatus(image);
    if (present) {
      // Only reported when a container is created, as the kubelet does; cheap to say again.
      event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return { ok: true, image: present };
    }
    if (pullPolicy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      event('Warning', 'ErrImageNeverPull', message);
      return { ok: false, reason: 'ErrImageNeverPull', message, retryInMs: this.policy.baseMs };
    }
    const backoff = this.backoffs.get(key);
    const now = this.now();
    if (backoff && now < backoff.until) {
      event('Normal', 'BackOff', `Back-off pulling image "${image}"`);
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${backoff.message}`, retryInMs: backoff.until - now };
    }
    event('Normal', 'Pulling', `Pulling image "${image}"`);
    const started = this.now();
    try {
      const pulled = await this.images.pullImage(image, auth);
      this.backoffs.delete(key);
      event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${((this.now() - started) / 1000).toFixed(3)}s`);
      return { ok: true, image: pulled };
    } catch (err) {
      if (!(err instanceof RuntimeError)) throw err;
      const message = withHint(image, err.message);
      const delayMs = backoff ? Math.min(backoff.delayMs * 2, this.policy.maxMs) : this.policy.baseMs;
      this.backoffs.set(key, { until: this.now() + delayMs, delayMs, message });
      event('Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      return { ok: false, reason: 'ErrImagePull', message, retryInMs: delayMs };
    }
  }

  /** The pod is gone: its back-offs too. */
  forget(podUid: string): void {
    for (const key of this.backoffs.keys()) if (key.startsWith(`${podUid}/`)) this.backoffs.delete(key);
  }
}

/** A registry that cannot be reached at all gets told what to do about it. */
function withHint(image: string, message: string): string {
  if (!/no such host|dial tcp|connection refused|i\/o timeout/i.test(message)) return message;
  const host = registryHost(image);
  const what = host === 'docker.io' ? 'docker.io is not reachable from this node: run logbook up --registry (or --registry-mirror host:port) and push the image there' : `is the registry ${host} running, and reachable from this node?`;
  return `${message} (${what})`;
}
