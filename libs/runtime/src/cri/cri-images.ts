import type { ImageInfo, ImageService, RegistryAuth } from '../container-runtime.port';
import { RuntimeError } from '../container-runtime.port';
import type { CriClient } from './cri-client';
import { isNotFound } from './cri-errors';
import type { CriImage } from './cri-types';

export function imageInfoOf(i: CriImage): ImageInfo {
  return { id: i.id, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests], sizeBytes: Number(i.size) };
}

/** The port's image service over CRI's ImageService. */
export class CriImages implements ImageService {
  constructor(private readonly client: CriClient) {}

  async pullImage(image: string, auth?: RegistryAuth): Promise<ImageInfo> {
    const ref = await this.client.pullImage(image, auth && { username: auth.username ?? '', password: auth.password ?? '', auth: auth.auth ?? '', serverAddress: auth.serverAddress ?? '' });
    const status = (await this.client.imageStatus(ref)) ?? (await this.client.imageStatus(image));
    if (!status) throw new RuntimeError('ErrImagePull', `image ${image} was pulled (${ref}) but the runtime does not list it`);
    return imageInfoOf(status);
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const status = await this.client.imageStatus(image);
    return status && imageInfoOf(status);
  }

  async listImages(): Promise<ImageInfo[]> {
    return (await this.client.listImages()).map(imageInfoOf);
  }

  /** Idempotent, as CRI's RemoveImage is. */
  async removeImage(image: string): Promise<void> {
    await this.client.removeImage(image).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
