import { shimsOf } from './host-cleanup';

describe('shimsOf', () => {
  const shim = (pid: number, address: string) => ({ pid, ppid: 1, argv: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', `id${pid}`, '-address', address] });

  it("finds only the shims whose -address is our containerd's socket", () => {
    const procs = [
      shim(10, '/d/a/containerd.sock'),
      shim(11, '/d/b/containerd.sock'),
      { pid: 12, ppid: 1, argv: ['/usr/bin/containerd', '--config', '/d/a/config.toml'] },
      { pid: 13, ppid: 10, argv: ['sh', '-address', '/d/a/containerd.sock'] },
    ];
    expect(shimsOf('/d/a/containerd.sock', procs).map((p) => p.pid)).toEqual([10]);
    expect(shimsOf('/d/c/containerd.sock', procs)).toEqual([]);
  });
});
