import { bridgeNameFor, renderCniConfig } from './cni-config';
import { renderContainerdConfig, renderRegistryHosts } from './containerd-config';
import { MAX_SOCKET_PATH, containerdSocketPath } from './socket-path';

const base = {
  root: '/d/root',
  state: '/d/state',
  address: '/d/containerd.sock',
  optDir: '/d/opt',
  sandboxImage: '127.0.0.1:5000/logbook/pause:3.9',
  cniBinDir: '/usr/lib/cni',
  cniConfDir: '/d/cni/conf',
  registryHostsDir: '/d/certs.d',
};

describe('containerd config', () => {
  it('keeps root, state, socket and network namespaces under the data directory', () => {
    const toml = renderContainerdConfig(base);
    expect(toml).toContain('version = 2');
    expect(toml).toContain('root = "/d/root"');
    expect(toml).toContain('state = "/d/state"');
    expect(toml).toContain('address = "/d/containerd.sock"');
    expect(toml).toContain('address = "/d/containerd.sock.ttrpc"');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
    expect(toml).toContain('sandbox_image = "127.0.0.1:5000/logbook/pause:3.9"');
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('conf_dir = "/d/cni/conf"');
    expect(toml).toContain('stream_server_port = "0"');
  });

  it('points CRI at the hosts directory; docker.io pulls only from its mirror and insecure registries speak http', () => {
    expect(renderContainerdConfig(base)).toContain('config_path = "/d/certs.d"');
    const hosts = renderRegistryHosts({ registryMirrors: { 'docker.io': ['http://127.0.0.1:5000'] }, insecureRegistries: ['127.0.0.1:5000', '127.0.0.1:6000'] });
    expect([...hosts.keys()]).toEqual(['docker.io', '127.0.0.1:5000', '127.0.0.1:6000']);
    expect(hosts.get('docker.io')).toContain('server = "http://127.0.0.1:5000"\n\n[host."http://127.0.0.1:5000"]\n  capabilities = ["pull", "resolve"]');
    expect(hosts.get('127.0.0.1:6000')).toContain('server = "http://127.0.0.1:6000"');
  });
});

describe('CNI config', () => {
  it('is a bridge with host-local addresses from the pod CIDR and portmap', () => {
    const c = JSON.parse(renderCniConfig({ podCIDR: '10.150.3.0/24', bridgeName: 'lb12345678', clusterCIDR: '10.150.0.0/16', ipamDataDir: '/d/cni/ipam' }));
    expect(c).toMatchObject({ cniVersion: '0.4.0', name: 'logbook' });
    expect(c.plugins[0]).toMatchObject({
      type: 'bridge',
      bridge: 'lb12345678',
      isGateway: true,
      hairpinMode: true,
      ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.150.3.0/24' }]], dataDir: '/d/cni/ipam' },
    });
    expect(c.plugins[0].ipam.routes).toContainEqual({ dst: '10.150.0.0/16' });
    expect(c.plugins[1]).toEqual({ type: 'portmap', capabilities: { portMappings: true } });
  });

  it('names the bridge after the data directory, within 15 characters', () => {
    expect(bridgeNameFor('/var/lib/logbook/node-a')).toMatch(/^lb[0-9a-f]{8}$/);
    expect(bridgeNameFor('/a')).not.toBe(bridgeNameFor('/b'));
    expect(bridgeNameFor('/a')).toBe(bridgeNameFor('/a'));
  });
});

describe('containerd socket path', () => {
  it('stays in the data directory when it fits in a unix socket path', () => {
    expect(containerdSocketPath('/tmp/x')).toBe('/tmp/x/containerd.sock');
  });

  it('moves to /run/logbook/<hash> when the data directory is too long, the same every time', () => {
    const long = `/tmp/${'d'.repeat(100)}`;
    const p = containerdSocketPath(long);
    expect(p).toMatch(/^\/run\/logbook\/[0-9a-f]{12}\/containerd\.sock$/);
    expect(containerdSocketPath(long)).toBe(p);
    expect(`${p}.ttrpc`.length).toBeLessThanOrEqual(MAX_SOCKET_PATH);
  });
});
