import { expect } from 'chai';
import { prometheusTransport } from '../src/record/prometheus.js';
import { sampleQueries, servicePodPattern } from '../src/record/queries.js';

// The client against a real Prometheus is covered by the recorder's integration test on the local
// cluster (test/cluster/); these check only what needs no server.
describe('Prometheus queries', () => {
  it('when the Prometheus spec is neither a URL nor kube://ns/svc:port, then it is refused', () => {
    expect(() => prometheusTransport('prometheus:9090')).to.throw(/expected/);
  });

  it('when queries are built, then pods are matched by the deployment name pattern and k6 by test run', () => {
    const q = sampleQueries({ namespace: 'exp', deployment: 'booking', testRunName: 'spike' });
    expect(q.rps).to.equal('sum(rate(http_requests_total{namespace="exp",pod=~"booking-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}"}[30s]))');
    expect(q.p95Seconds).to.match(/^histogram_quantile\(0.95, sum by \(le\) \(rate\(http_request_duration_seconds_bucket\{/);
    expect(q.errorRate).to.contain('status=~"5.."').and.contain('or vector(0)');
    expect(q.k6Rps).to.equal('sum(rate(k6_http_reqs_total{testrun_name="spike"}[30s]))');
    const servicePod = new RegExp(`^${servicePodPattern('booking')}$`);
    expect(servicePod.test('booking-migrate-x7k2p')).to.equal(false);
    expect(servicePod.test('booking-7d9f8c6b5-x2x4z')).to.equal(true);
  });

  it('when the k6 p95 is built, then it merges the test run\'s native histograms over a 15 s window', () => {
    expect(sampleQueries({ namespace: 'booking', deployment: 'booking', testRunName: 'spike' }).k6P95Seconds)
      .to.equal('histogram_quantile(0.95, sum(rate(k6_http_req_duration_seconds{testrun_name="spike"}[15s])))');
    expect(sampleQueries({ namespace: 'booking', deployment: 'booking', k6Window: '10s', quantile: 0.99 }).k6P95Seconds)
      .to.equal('histogram_quantile(0.99, sum(rate(k6_http_req_duration_seconds[10s])))');
  });

  it('when the node CPU split is built, then every part reads pod-level cgroups over the CPU window and the node its root cgroup', () => {
    const q = sampleQueries({ namespace: 'booking', deployment: 'booking', rateWindow: '30s', cpuWindowS: 20 });
    const cgroup = 'container="",id=~".*pod[^/]*"';
    const part = (sel: string) => `sum(rate(container_cpu_usage_seconds_total{${sel},${cgroup}}[20s]) or ` +
      `(container_cpu_usage_seconds_total{${sel},${cgroup}} / 20 and on(id) container_start_time_seconds{${sel},${cgroup}} > time() - 20))`;
    expect(q.cpuPostgres).to.equal(part('namespace="booking",pod=~"booking-postgresql-[0-9]+"'));
    expect(q.cpuRedis).to.equal(part('namespace="booking",pod=~"booking-redis-[0-9]+"'));
    expect(q.cpuLoadGen).to.equal(part('namespace="loadtest"'));
    expect(q.cpuService).to.equal(part('namespace="booking",pod=~"booking-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}"'));
    expect(q.cpuNode).to.equal('sum(rate(container_cpu_usage_seconds_total{id="/"}[20s]))');
    expect(q.nodeCpuCores).to.equal('sum(machine_cpu_cores) or sum(kube_node_status_capacity{resource="cpu"})');
    expect(q.cpuThrottledShare).to.match(/^sum\(rate\(container_cpu_cfs_throttled_periods_total\{namespace="booking",pod=~"booking-\[/)
      .and.contain(`${cgroup}}[20s])) / sum(rate(container_cpu_cfs_periods_total{`);
  });

  it('when no CPU window is given, then the split reads 60 s whatever the rate window, and the per-pod CPU keeps the rate window', () => {
    const q = sampleQueries({ namespace: 'booking', deployment: 'booking', rateWindow: '30s' });
    for (const promql of [q.cpuService, q.cpuPostgres, q.cpuRedis, q.cpuLoadGen, q.cpuNode, q.cpuThrottledShare]) {
      expect(promql).to.contain('[60s]').and.not.contain('[30s]');
    }
    expect(q.cpuPerPod).to.match(/\[30s\]\)\)$/);
  });

  it('when the PostgreSQL, Redis or load-generator pods are elsewhere, then their matchers replace the defaults', () => {
    const q = sampleQueries({
      namespace: 'booking', deployment: 'booking',
      postgresPods: 'namespace="db",pod=~"pg-.*"', redisPods: 'namespace="cache",pod="redis-master-0"', loadGenPods: 'namespace="k6"',
    });
    expect(q.cpuPostgres).to.contain('{namespace="db",pod=~"pg-.*",container=""');
    expect(q.cpuRedis).to.contain('{namespace="cache",pod="redis-master-0",container=""');
    expect(q.cpuLoadGen).to.contain('{namespace="k6",container=""');
  });

  it('when the release name has regex characters, then the StatefulSet pod patterns quote them', () => {
    expect(sampleQueries({ namespace: 'n', deployment: 'my.app' }).cpuPostgres).to.contain('pod=~"my\\\\.app-postgresql-[0-9]+"');
  });
});
