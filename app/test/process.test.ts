import { expect } from 'chai';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createUsers, sleep, startApp } from './support';

// The service as it runs in a pod: `node src/main.ts` with a primary and WEB_CONCURRENCY workers.

const MAIN = path.join(__dirname, '..', 'src', 'main.ts');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function launch(env: Record<string, string>, script = MAIN) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function untilReady(url: string, child: ChildProcess) {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error('the service exited during start');
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await sleep(100);
  }
  throw new Error('the service did not become ready');
}

describe('the service process', () => {
  it('when a config value is bad, then it names every bad key and exits 1', async () => {
    const { exited, output } = launch({ PORT: 'eighty', MAX_ACTIVE: '-5', DATABASE_URL: 'not a url' });
    expect(await exited).to.equal(1);
    for (const key of ['PORT', 'MAX_ACTIVE', 'DATABASE_URL']) expect(output()).to.contain(key);
  });

  describe('with two workers', () => {
    let url: string;
    let service: ReturnType<typeof launch>;
    let users: number[];

    before(async () => {
      const seeding = await startApp();
      users = await createUsers(seeding, 60, 0);
      await seeding.stop();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      service = launch({ PORT: String(port), WEB_CONCURRENCY: '2', SHUTDOWN_DELAY_MS: '1000', MAX_IN_FLIGHT: '10000' });
      await untilReady(url, service.child);
    });
    after(() => {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    });

    it('when /metrics is scraped, then one aggregated exposition passes promtool check metrics', async () => {
      for (let i = 0; i < 20; i++) await fetch(`${url}/api/v1/queue/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: users[i] }) });
      const body = await (await fetch(`${url}/metrics`)).text();
      const issued = body.match(/^booking_queue_tokens_issued_total\{outcome="new"\} (\d+)$/m);
      expect(Number(issued?.[1]), 'the count from both workers').to.equal(20);
      const lint = execFileSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(lint.trim()).to.equal('');
    });

    it('when SIGTERM arrives under load, then every accepted request completes and every acknowledged charge is stored', async () => {
      // The clients act as a load balancer would: they stop opening requests once /readyz turns 503.
      let stopping = false;
      let drained = false;
      const probe = setInterval(() => {
        fetch(`${url}/readyz`).then((r) => { if (r.status === 503) drained = true; }, () => { drained = true; });
      }, 100);
      let acknowledged = 0;
      const lost: string[] = [];
      const loop = async (userId: number) => {
        for (let n = 0; !drained; n++) {
          try {
            const res = await fetch(`${url}/api/v1/users/${userId}/points/charge`, {
              method: 'POST', body: JSON.stringify({ amount: 1 }),
              headers: { 'content-type': 'application/json', 'Idempotency-Key': `sigterm-${userId}-${n}` },
            });
            const body = await res.json();
            if (res.status === 200) acknowledged++;
            else if (res.status !== 503) lost.push(`${res.status} ${JSON.stringify(body)}`);
          } catch (err) {
            const code = (err as { cause?: { code?: string } }).cause?.code;
            // Refused = the listener is closed and the request was never accepted: a client retries elsewhere.
            if (code === 'ECONNREFUSED' && stopping) return;
            lost.push(`${code ?? (err as Error).message}`);
            if (stopping) return;
          }
        }
      };
      const loops = users.slice(20).map(loop);
      await sleep(1500);
      stopping = true;
      service.child.kill('SIGTERM');
      await Promise.all(loops);
      clearInterval(probe);
      expect(await service.exited).to.equal(0);
      expect(lost, lost.slice(0, 5).join('\n')).to.deep.equal([]);
      expect(acknowledged).to.be.greaterThan(100);

      const check = await startApp();
      try {
        const [{ total }] = await check.running.service.db('points').whereIn('user_id', users.slice(20)).sum({ total: 'balance' });
        expect(Number(total)).to.equal(acknowledged);
      } finally {
        await check.stop();
      }
    });
  });

  describe('the migration Job', () => {
    const MIGRATE = path.join(__dirname, '..', 'src', 'cli', 'migrate.ts');
    const migrate = (url: string, waitSeconds: number) => launch({ DATABASE_URL: url, MIGRATE_WAIT_SECONDS: String(waitSeconds) }, MIGRATE);
    const via = (port: number) => {
      const url = new URL(process.env.DATABASE_URL!);
      url.port = String(port);
      url.hostname = '127.0.0.1';
      return url.toString();
    };

    it('when PostgreSQL appears only after the Job started, then the Job waits for it and migrates', async () => {
      const port = await freePort();
      const run = migrate(via(port), 30);
      await sleep(1500);
      // PostgreSQL "comes up": a proxy to the real one starts listening on the port the Job dials.
      const target = new URL(process.env.DATABASE_URL!);
      const proxy = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      }).listen(port, '127.0.0.1');
      try {
        expect(await run.exited, run.output()).to.equal(0);
        expect(run.output()).to.contain('waiting for PostgreSQL (ECONNREFUSED)');
        expect(run.output()).to.match(/schema is up to date|migrations applied/);
      } finally {
        proxy.close();
      }
    });

    it('when PostgreSQL never appears, then the Job fails after its wait and says so', async () => {
      const run = migrate(via(await freePort()), 1);
      expect(await run.exited).to.equal(1);
      expect(run.output()).to.contain('PostgreSQL did not answer within 1 s');
    });
  });
});
