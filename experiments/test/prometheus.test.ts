import { expect } from 'chai';
import { prometheusTransport } from '../src/record/prometheus.js';
import { sampleQueries } from '../src/record/queries.js';

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
    expect(new RegExp(`^booking-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$`).test('booking-migrate-x7k2p')).to.equal(false);
    expect(new RegExp(`^booking-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$`).test('booking-7d9f8c6b5-x2x4z')).to.equal(true);
  });
});
