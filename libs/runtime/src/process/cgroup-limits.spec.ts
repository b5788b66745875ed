import { cgroupValues } from './cgroup-limits';

describe('cgroupValues', () => {
  it('maps memory to bytes and cpu to a quota per 100 ms period', () => {
    expect(cgroupValues({ memory: '128Mi', cpu: '500m' })).toEqual({ 'memory.max': '134217728', 'cpu.max': '50000 100000' });
    expect(cgroupValues({ cpu: '2' })['cpu.max']).toBe('200000 100000');
  });

  it('leaves what is not limited at max', () => {
    expect(cgroupValues(undefined)).toEqual({ 'memory.max': 'max', 'cpu.max': 'max 100000' });
  });

  it('never asks for a quota under the kernel minimum', () => {
    expect(cgroupValues({ cpu: '1m' })['cpu.max']).toBe('1000 100000');
  });
});
