import type { ImageInfo, ImageService, RegistryAuth } from '@logbook/runtime';
import { RuntimeError } from '@logbook/runtime';
import { ImagePuller } from './image-puller';

const INFO: ImageInfo = { id: 'sha256:abc', repoTags: ['r/busybox:1'], repoDigests: ['r/busybox@sha256:def'], sizeBytes: 1 };

/** An image service over a set of images a "registry" holds (pure logic under test: the policy). */
function images(registry: Set<string>, local = new Set<string>()) {
  const pulls: { image: string; auth?: RegistryAuth }[] = [];
  const service: ImageService = {
    pullImage: async (image, auth) => {
      pulls.push({ image, auth });
      if (!registry.has(image)) throw new RuntimeError('ErrImagePull', `manifest unknown: ${image}`);
      local.add(image);
      return INFO;
    },
    imageStatus: async (image) => (local.has(image) ? INFO : undefined),
    listImages: async () => [],
    removeImage: async () => undefined,
  };
  return { service, pulls, local };
}

describe('ImagePuller', () => {
  const events: string[] = [];
  const event = (_t: string, reason: string) => events.push(reason);
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    events.length = 0;
    clock = 1_000_000;
  });

  it('pulls an absent image with IfNotPresent once, then finds it present', async () => {
    const { service, pulls } = images(new Set(['r/busybox:1']));
    const puller = new ImagePuller(service, { baseMs: 10_000, maxMs: 300_000 }, now);
    expect(await puller.ensure('u', 'r/busybox:1', 'IfNotPresent', undefined, event)).toEqual({ ok: true, image: INFO });
    expect(await puller.ensure('u', 'r/busybox:1', 'IfNotPresent', undefined, event)).toMatchObject({ ok: true });
    expect(pulls).toHaveLength(1);
    expect(events).toEqual(['Pulling', 'Pulled', 'Pulled']);
  });

  it('pulls every time with Always, passing the credentials', async () => {
    const { service, pulls } = images(new Set(['r/a']), new Set(['r/a']));
    const puller = new ImagePuller(service, { baseMs: 10, maxMs: 100 }, now);
    await puller.ensure('u', 'r/a', 'Always', { username: 'u', password: 'p' }, event);
    await puller.ensure('u', 'r/a', 'Always', undefined, event);
    expect(pulls.map((p) => p.auth?.username)).toEqual(['u', undefined]);
  });

  it('never pulls with Never: ErrImageNeverPull while absent', async () => {
    const { service, pulls } = images(new Set(['r/a']));
    const out = await new ImagePuller(service, { baseMs: 10, maxMs: 100 }, now).ensure('u', 'r/a', 'Never', undefined, event);
    expect(out).toMatchObject({ ok: false, reason: 'ErrImageNeverPull', message: 'Container image "r/a" is not present with pull policy of Never' });
    expect(pulls).toHaveLength(0);
  });

  it('says ErrImagePull with the registry message, then ImagePullBackOff until the back-off passes, doubling', async () => {
    const { service, pulls } = images(new Set());
    const puller = new ImagePuller(service, { baseMs: 10_000, maxMs: 15_000 }, now);
    expect(await puller.ensure('u', 'r/missing', 'IfNotPresent', undefined, event)).toEqual({ ok: false, reason: 'ErrImagePull', message: 'manifest unknown: r/missing', retryInMs: 10_000 });
    clock += 4_000;
    expect(await puller.ensure('u', 'r/missing', 'IfNotPresent', undefined, event)).toMatchObject({ ok: false, reason: 'ImagePullBackOff', retryInMs: 6_000 });
    expect(pulls).toHaveLength(1);
    clock += 6_000;
    expect(await puller.ensure('u', 'r/missing', 'IfNotPresent', undefined, event)).toMatchObject({ reason: 'ErrImagePull', retryInMs: 15_000 });
    expect(pulls).toHaveLength(2);
    // Another pod of the same image has its own back-off.
    expect(await puller.ensure('v', 'r/missing', 'IfNotPresent', undefined, event)).toMatchObject({ reason: 'ErrImagePull' });
    puller.forget('u');
    expect(await puller.ensure('u', 'r/missing', 'IfNotPresent', undefined, event)).toMatchObject({ reason: 'ErrImagePull', retryInMs: 10_000 });
  });
});
