// The baseline: Express 5's "hello world", nothing else. The benchmark runs it on the same Node,
// pinned to the same core as the service, so each endpoint's ceiling reads as a ratio to this one.
const express = require('express');

const app = express();
app.get('/', (_req, res) => res.send('Hello World!'));

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', (err) => {
  if (err) throw err;
  process.stdout.write(`listening on ${server.address().port}\n`);
});
// Same keep-alive as the service, so idle connections between steps are not torn down.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
// Keep-alive sockets would hold close() open for 65 s: a baseline has nothing in flight worth draining.
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
