import { makeTmpDir } from '@logbook/testing';
import type { ContainerRuntime } from '../container-runtime.port';
import { ProcessRuntime } from '../process/process-runtime';
import { containerRuntimeContract } from './container-runtime.contract';

containerRuntimeContract('ProcessRuntime', {
  async create() {
    const tmp = makeTmpDir('logbook-contract-');
    const range = `127.1.${1 + Math.floor(Math.random() * 254)}.0/24`;
    const runtimes: ContainerRuntime[] = [];
    return {
      image: 'busybox',
      async runtime() {
        const rt = new ProcessRuntime({ stateDir: tmp.path, addressRange: range, adoptPollMs: 100 });
        runtimes.push(rt);
        return rt;
      },
      async cleanup() {
        for (const rt of runtimes) await rt.close();
        tmp.remove();
      },
    };
  },
});
