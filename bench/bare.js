// The baselines: Express 5's "hello world", nothing else, and with BARE=node the same answer from
// Node's own HTTP server, no framework. The benchmark runs them on the same Node, pinned to the
// same core as the service, so each endpoint's ceiling reads as a ratio to Express's, and the
// Node one shows how much of that ceiling is Express itself.
const http = require('node:http');
const express = require('express');

function expressHello() {
  const app = express();
  app.get('/', (_req, res) => res.send('Hello World!'));
  return app;
}

function nodeHello(_req, res) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': 12 });
  res.end('Hello World!');
}

const server = http.createServer(process.env.BARE === 'node' ? nodeHello : expressHello());
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening on ${server.address().port}\n`);
});
// Same keep-alive as the service, so idle connections between steps are not torn down.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
// Keep-alive sockets would hold close() open for 65 s: a baseline has nothing in flight worth draining.
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
