import { containerRuntimeContract } from '../contract/container-runtime.contract';
import { BUSYBOX, criTarget, criUnavailable } from './cri-runtime.test-kit';

containerRuntimeContract('CriRuntime', {
  unavailable: criUnavailable,
  async create() {
    const target = criTarget();
    const rt = await target.runtime();
    await rt.images.pullImage(BUSYBOX);
    return { image: BUSYBOX, runtime: target.runtime, cleanup: target.cleanup };
  },
});
