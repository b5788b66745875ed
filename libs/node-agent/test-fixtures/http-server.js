// A tiny HTTP server for node-agent tests: binds the pod's own IP, prints one access line per
// request, and records a SIGTERM (then exits) in $TERM_FILE so tests can see graceful shutdown.
const http = require('node:http');
const fs = require('node:fs');
const host = process.env.POD_IP || '127.0.0.1';
const port = Number(process.env.PORT || 8080);
const name = process.env.POD_NAME || 'unknown';
const server = http.createServer((req, res) => {
  console.log(`${new Date().toISOString()} ${req.method} ${req.url} from ${req.socket.remoteAddress}`);
  // /headers echoes the request headers (what a proxy in front added), as JSON.
  if (req.url === '/headers') return res.end(JSON.stringify(req.headers));
  res.end(`hello from ${name} at ${host}\n`);
});
server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
process.on('SIGTERM', () => {
  if (process.env.TERM_FILE) fs.appendFileSync(process.env.TERM_FILE, `${name} SIGTERM ${Date.now()}\n`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 200).unref();
});
