// bench/functions/express-hello.mjs — the peer of Hearth's functions in
// bench/functions-hosting.sh: the same handler (./api/hello.js, imported as is) mounted on
// Express at /api/hello, as one would deploy it without Hearth.
//
//   GET /api/hello  -> 200 {"hello":"world"}   (the handler's res.json, i.e. Express's)
//   GET /healthz    -> 200 ok
//
// Usage: node express-hello.mjs PORT [HOST] [PROCESSES]
//   PROCESSES = 1 (default): one process, like a plain `node server.js`.
//   PROCESSES = N > 1: node:cluster, N worker processes sharing the port (the primary
//   accepts and hands connections out round-robin, Node's default on Linux).
import cluster from 'node:cluster';
import express from 'express';
import handler from './api/hello.js';

const port = Number(process.argv[2] || 3000);
const host = process.argv[3] || '127.0.0.1';
const processes = Number(process.argv[4] || 1);

if (processes > 1 && cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  // A worker that dies ends the benchmark run rather than being silently replaced.
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal || code})`);
    process.exit(1);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
      process.exit(0);
    });
  }
} else {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');  // Hearth does not compute an ETag for function answers either
  app.all('/api/hello', (req, res) => handler(req, res));
  app.get('/healthz', (req, res) => res.type('text/plain').send('ok'));
  app.listen(port, host, () => {
    console.log(`express-hello (pid ${process.pid}) listening on http://${host}:${port}`);
  });
}
