/**
 * The booking dashboard as code (Grafana Foundation SDK). `npm run -w charts/dashboard generate`
 * writes it to charts/booking/files/dashboard.json, which the chart ships as a ConfigMap for the
 * Grafana sidecar; a test fails when the file and this code differ.
 *
 *   bookingDashboard(): Dashboard
 *
 * Queries are raw PromQL on the service's own metrics and kube-state-metrics/cAdvisor (no
 * recording rules needed), so the dashboard works on any Prometheus that scrapes the pods.
 */

import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

const datasource = { type: 'prometheus', uid: '${datasource}' };

// The Deployment's pods only: <workload>-<replicaset hash>-<pod suffix>, in Kubernetes' alphabet
// (so "booking-migrate-..." and the Redis or PostgreSQL pods never match).
const ALPHABET = '[bcdfghjklmnpqrstvwxz2456789]';
const pods = `namespace="$namespace", pod=~"$workload-${ALPHABET}{5,10}-${ALPHABET}{5}"`;
const business = `${pods}, route!~"/livez|/readyz|/metrics"`;
const bookingContainer = `${pods}, container="booking"`;
const requestRate = (extra = '') => `sum(rate(http_requests_total{${business}${extra}}[1m]))`;

interface Query { expr: string; legend: string }

/** Every panel: a time series, legend as a table with mean and max, a shared tooltip. */
function panel(title: string, description: string, unit: string, queries: Query[]) {
  const builder = new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).calcs(['mean', 'max']).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.None));
  queries.forEach((q, i) => builder.withTarget(new prometheus.DataqueryBuilder()
    .datasource(datasource).refId(String.fromCharCode(65 + i)).expr(q.expr).legendFormat(q.legend)));
  return builder;
}

/** Two panels per row, 8 units high, in the order given. */
function place(panels: timeseries.PanelBuilder[]) {
  return panels.map((p, i) => p.id(i + 1).gridPos({ x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 }));
}

export function bookingDashboard(): dashboard.Dashboard {
  const panels = place([
    panel('Requests per second', 'Business requests per second by status (probes and scrapes left out).', 'reqps', [
      { expr: `sum by (status) (rate(http_requests_total{${business}}[1m]))`, legend: '{{status}}' },
      { expr: requestRate(), legend: 'total' },
    ]),
    panel('p95 latency', '95th percentile request duration: the whole service and each route. The reports\' SLO is 200 ms.', 's', [
      { expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${business}}[1m])))`, legend: 'all routes' },
      { expr: `histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{${business}}[1m])))`, legend: '{{route}}' },
    ])
      .fillOpacity(0)
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line))
      .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute)
        .steps([{ color: 'green', value: null }, { color: 'red', value: 0.2 }])),
    panel('Errors', 'Share of requests answered 5xx (503 = load shed), and 4xx for comparison. The reports\' threshold is 1%.', 'percentunit', [
      { expr: `(${requestRate(', status=~"5.."')} or vector(0)) / ${requestRate()}`, legend: '5xx' },
      { expr: `(${requestRate(', status=~"4.."')} or vector(0)) / ${requestRate()}`, legend: '4xx' },
      { expr: `sum(rate(http_requests_shed_total{${pods}}[1m])) / ${requestRate()}`, legend: 'shed' },
    ]),
    panel('Replicas: desired vs ready', 'What the HPA asked for against what serves traffic; the gap is the autoscaler\'s lag (scheduling, start, readiness).', 'short', [
      { expr: 'max(kube_horizontalpodautoscaler_status_desired_replicas{namespace="$namespace", horizontalpodautoscaler="$workload"})', legend: 'desired (HPA)' },
      { expr: 'max(kube_horizontalpodautoscaler_spec_max_replicas{namespace="$namespace", horizontalpodautoscaler="$workload"})', legend: 'max (HPA)' },
      { expr: 'max(kube_deployment_spec_replicas{namespace="$namespace", deployment="$workload"})', legend: 'spec (Deployment)' },
      { expr: 'max(kube_deployment_status_replicas_ready{namespace="$namespace", deployment="$workload"})', legend: 'ready' },
    ]).decimals(0),
    panel('Per-pod throughput', 'Business requests per second each pod serves: at saturation this is the profile\'s per-pod TPS.', 'reqps', [
      { expr: `sum by (pod) (rate(http_requests_total{${business}}[1m]))`, legend: '{{pod}}' },
      { expr: `${requestRate()} / count(sum by (pod) (rate(http_requests_total{${business}}[1m])))`, legend: 'per replica (mean)' },
    ]),
    panel('CPU throttling', 'Share of CFS periods in which each pod hit its CPU limit (cAdvisor). Sustained > 25% means the pod wants more CPU than its profile gives.', 'percentunit', [
      { expr: `sum by (pod) (rate(container_cpu_cfs_throttled_periods_total{${bookingContainer}}[1m])) / sum by (pod) (rate(container_cpu_cfs_periods_total{${bookingContainer}}[1m]))`, legend: '{{pod}}' },
    ]),
    panel('Waiting room', 'Users waiting and active in the queue (the same Redis for every pod, so max, never sum).', 'short', [
      { expr: `max(booking_queue_waiting{${pods}})`, legend: 'waiting' },
      { expr: `max(booking_queue_active{${pods}})`, legend: 'active' },
      { expr: `sum(rate(booking_queue_tokens_issued_total{${pods}}[1m]))`, legend: 'tokens issued /s' },
    ]),
    panel('CPU and in-flight', 'CPU used by each pod in cores (against its limit), and requests in flight.', 'short', [
      { expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${bookingContainer}}[1m]))`, legend: 'cpu {{pod}}' },
      { expr: `sum by (pod) (http_requests_in_flight{${pods}})`, legend: 'in flight {{pod}}' },
    ]),
  ]);

  const builder = new dashboard.DashboardBuilder('headroom / booking')
    .uid('headroom-booking')
    .tags(['headroom', 'booking'])
    .description('Booking service: traffic, latency, errors, autoscaling and saturation. Queries are raw PromQL (no recording rules needed).')
    .editable()
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'))
    .withVariable(new dashboard.QueryVariableBuilder('namespace').label('Namespace').datasource(datasource)
      .query('label_values(http_requests_total, namespace)').definition('label_values(http_requests_total, namespace)')
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged).sort(dashboard.VariableSort.AlphabeticalAsc))
    .withVariable(new dashboard.TextBoxVariableBuilder('workload').label('Deployment').defaultValue('booking')
      .current({ text: 'booking', value: 'booking' }));
  for (const p of panels) builder.withPanel(p);
  return builder.build();
}
