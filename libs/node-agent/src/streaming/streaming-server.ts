import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import type { ComponentLogger } from '@logbook/components';
import { closeServer, listenOn } from '@logbook/observability';
import { API_SERVER_CLIENT_CN, type KubeObject } from '@logbook/kube';
import type { ContainerRuntime } from '@logbook/runtime';
import { invalidExecRequest, parseExecRequest, runAttach, runExec } from './exec-session';
import { type ExecTarget, serveExecSpdy } from './remote-command-spdy';
import { servePortForwardSpdy, servePortForwardTunnel } from './port-forward';
import { serveExecWebSocket } from './remote-command-websocket';
import { refuseUpgrade, upgradeKind } from './upgrade';


export interface StreamingSource {
  readonly runtime: ContainerRuntime;
  pods(): KubeObject[];
  readonly log: ComponentLogger;
}

/**
 * The kubelet's authenticated port, for the streaming endpoints only: `/exec/<ns>/<pod>/<container>`,
 * `/attach/<ns>/<pod>/<container>` and `/portForward/<ns>/<pod>`. HTTPS with a self-signed serving certificate; a client must
 * present a certificate of the cluster CA with the API server's name, so only the API server
 * (which authenticated the user) reaches it. The API server proxies the upgraded connection
 * byte for byte; the streaming protocols end here, next to the processes.
 */
export class StreamingServer {
  private server?: Server;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly source: StreamingSource) {}

  async listen(port: number, host: string, clusterCaCert: string): Promise<number> {
    const own = await generate([{ name: 'commonName', value: `logbook-node-agent@${host}` }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7 as const, ip: host }] }],
    });
    const server = createServer({ key: own.private, cert: own.cert, ca: clusterCaCert, requestCert: true, rejectUnauthorized: true }, (req, res) => this.plain(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        this.source.log.error({ err: (err as Error).message, path: req.url }, 'streaming request failed');
        refuseUpgrade(socket, 500, (err as Error).message);
      }
    });
    this.server = server;
    return listenOn(server, port, host);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy(); // upgraded: no longer the server's connections
    await closeServer(this.server);
  }

  private plain(req: IncomingMessage, res: ServerResponse): void {
    const refused = refusal(req);
    const [code, message] = refused ?? [400, 'Upgrade request required'];
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code }));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refused = refusal(req);
    if (refused) return refuseUpgrade(socket, ...refused);
    const url = new URL(req.url ?? '/', 'https://agent');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const kind = upgradeKind(req);
    if ((parts[0] === 'exec' || parts[0] === 'attach') && parts.length === 4) return this.exec(parts[0], req, socket, head, parts[1], parts[2], parts[3], url.searchParams, kind);
    if (parts[0] === 'portForward' && parts.length === 3) return this.portForward(req, socket, head, parts[1], parts[2], kind);
    refuseUpgrade(socket, 404, `no such path ${url.pathname}`);
  }

  private exec(what: 'exec' | 'attach', req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string, container: string, q: URLSearchParams, kind: 'spdy' | 'websocket' | undefined): void {
    const pod = this.pod(namespace, name);
    if (!pod) return refuseUpgrade(socket, 404, `pod ${namespace}/${name} is not on this node`);
    const request = parseExecRequest(q);
    const invalid = invalidExecRequest(request, what, typeof this.source.runtime.attach === 'function');
    if (invalid) return refuseUpgrade(socket, 400, invalid);
    const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c: any) => c.name === container);
    if (!known) return refuseUpgrade(socket, 400, `container ${container} is not valid for pod ${name}`);
    void this.running(pod.metadata.uid!, container).then((running) => {
      if (!running) return refuseUpgrade(socket, 400, `container ${container} is not running in pod ${name}`);
      this.source.log.info({ pod: `${namespace}/${name}`, container, command: request.command[0], protocol: kind }, what);
      const { runtime } = this.source;
      const podUid = pod.metadata.uid!;
      const target: ExecTarget = {
        request,
        run: (channels, cancelled) => (what === 'exec' ? runExec(runtime, podUid, container, request, channels, cancelled) : runAttach(runtime, podUid, container, request, channels, cancelled)),
      };
      if (kind === 'spdy') return serveExecSpdy(req, socket, head, target);
      if (kind === 'websocket') return serveExecWebSocket(req, socket, head, target);
      refuseUpgrade(socket, 400, `${what} needs an upgrade to SPDY/3.1 or websocket`);
    });
  }

  private portForward(req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string, kind: 'spdy' | 'websocket' | undefined): void {
    const pod = this.pod(namespace, name);
    if (!pod) return refuseUpgrade(socket, 404, `pod ${namespace}/${name} is not on this node`);
    void this.source.runtime.listSandboxes().then((sandboxes) => {
      const podIp = sandboxes.find((s) => s.uid === pod.metadata.uid)?.ip;
      if (!podIp) return refuseUpgrade(socket, 400, `pod ${name} has no sandbox (and no IP) on this node yet`);
      this.source.log.info({ pod: `${namespace}/${name}`, protocol: kind }, 'port-forward');
      const target = { podIp, podName: name };
      if (kind === 'spdy') return void servePortForwardSpdy(req, socket, head, target);
      if (kind === 'websocket') return servePortForwardTunnel(req, socket, head, target);
      refuseUpgrade(socket, 400, 'port-forward needs an upgrade to SPDY/3.1 or websocket');
    });
  }

  private pod(namespace: string, name: string): KubeObject | undefined {
    return this.source.pods().find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
  }

  private async running(podUid: string, container: string): Promise<boolean> {
    const all = await this.source.runtime.listContainers();
    return all.some((c) => c.podUid === podUid && c.name === container && c.status.state === 'running');
  }
}

/** Only the API server's client certificate gets in (TLS already checked it is the cluster CA's). */
function refusal(req: IncomingMessage): [number, string] | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return [401, 'a client certificate of the cluster CA is required'];
  const cn = socket.getPeerCertificate()?.subject?.CN;
  if (cn !== API_SERVER_CLIENT_CN) return [403, `client "${cn}" may not use the streaming endpoints`];
  return undefined;
}
