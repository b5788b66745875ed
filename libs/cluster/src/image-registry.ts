import { join } from 'node:path';
import type { Logger } from 'pino';
import { LocalRegistry, buildAllImages, pushImage } from '@logbook/runtime';
import { stopLeftoverRegistry } from './registry-leftover';

export interface RunningImageRegistry {
  /** host:port, e.g. 127.0.0.1:5000. */
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * `logbook up --registry`: Debian's docker-registry on loopback with storage in the data
 * directory, and Logbook's own images (busybox, node, python, pause; built without a container engine,
 * cached) pushed to it, so `image: busybox` resolves through the docker.io mirror setting.
 */
export async function startImageRegistry(dataDir: string, address: string, log: Logger): Promise<RunningImageRegistry> {
  // One a killed `up` left behind would keep serving the same storage on another port.
  if ((await stopLeftoverRegistry(dataDir)) > 0) log.info('stopped the registry a previous logbook up left running');
  const registry = await LocalRegistry.start({ dir: join(dataDir, 'registry'), address, log: (line) => log.info(line) });
  try {
    for (const image of await buildAllImages({ log: (line) => log.info(line) })) await pushImage(image, { registry: registry.address, log: (line) => log.debug(line) });
  } catch (err) {
    await registry.stop();
    throw err;
  }
  log.info({ registry: registry.address }, 'image registry up with the project images');
  return { address: registry.address, stop: () => registry.stop() };
}
