// @ts-check
'use strict';
/**
 * The image's HEALTHCHECK: GET /healthz of the component this container runs; exit 0 when it
 * answers 200. `node healthcheck.js <url>` checks that URL instead (the node agent's read-only
 * server listens on its --address, which only the deployment knows).
 *
 * The component is found from the running process (`dist/apps/<name>/src/main.js` in some
 * /proc/<pid>/cmdline) rather than from a variable, so one image-level check serves every
 * component whatever init process runs in front of it.
 */
const { readdirSync, readFileSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');

/** Health ports by component, like Kubernetes' (conventions in docs/configuration.md). */
const HEALTH_PORTS = { proxy: 10256, 'controller-manager': 10257, relay: 10258, scheduler: 10259, 'node-agent': 10255 };

function runningComponent() {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    const match = /dist\/apps\/([a-z-]+)\/src\/main\.js/.exec(cmdline);
    if (match) return match[1];
  }
  return undefined;
}

/** Where a listener bound to every interface is reached from inside the container. */
function localHost(host) {
  return !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function healthUrl(component, env) {
  if (component === 'apiserver') return `https://${localHost(env.LOGBOOK_HOST)}:${env.LOGBOOK_PORT || 6443}/healthz`;
  const port = env.LOGBOOK_HEALTH_PORT || HEALTH_PORTS[component];
  return port ? `http://${localHost(env.LOGBOOK_HEALTH_HOST)}:${port}/healthz` : undefined;
}

function check(url) {
  const client = url.startsWith('https:') ? https : http;
  // The API server's certificate is checked by its clients; here only its answer matters.
  const request = client.get(url, { timeout: 2500, rejectUnauthorized: false }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.exit(0);
    process.stderr.write(`${url}: HTTP ${res.statusCode}\n`);
    process.exit(1);
  });
  request.on('timeout', () => request.destroy(new Error('timed out')));
  request.on('error', (err) => {
    process.stderr.write(`${url}: ${err.message}\n`);
    process.exit(1);
  });
}

function main() {
  const url = process.argv[2] || healthUrl(runningComponent(), process.env);
  // `cli` and `bootstrap` serve nothing: there is nothing to be unhealthy about.
  if (url) check(url);
  else process.exit(0);
}

if (require.main === module) main();
module.exports = { HEALTH_PORTS, healthUrl };
