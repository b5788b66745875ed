import { containerRuntimeContract } from '../contract/container-runtime.contract';
import { criTarget, criUnavailable, useCriEnv } from './cri-runtime.test-kit';

describe('CriRuntime on containerd', () => {
  const env = criUnavailable ? () => ({ socketPath: '', busybox: '' }) : useCriEnv();
  containerRuntimeContract('CriRuntime', {
    unavailable: criUnavailable,
    async create() {
      const target = criTarget(env());
      await (await target.runtime()).images.pullImage(env().busybox);
      return { image: env().busybox, runtime: target.runtime, cleanup: target.cleanup };
    },
  });
});
