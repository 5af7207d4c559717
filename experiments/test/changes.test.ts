import { expect } from 'chai';
import type { V1Deployment, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { cpuCores, deploymentChanges, hpaChanges, podChanges, testRunChanges } from '../src/record/changes.js';

const hpa = (desired: number, conditions: Array<{ type: string; status: string; reason?: string }> = []): V2HorizontalPodAutoscaler => ({
  metadata: { name: 'booking' },
  spec: { maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'booking' } },
  status: {
    desiredReplicas: desired, currentReplicas: 1, conditions,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 180 } } }],
  },
});
const pod = (ready: boolean, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: 'booking-7d9f8c6b5-x2x4z', ...extra.metadata },
  spec: { containers: [], nodeName: 'node-1' },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], ...extra.status },
});

describe('object changes to events', () => {
  it('when the HPA raises desired replicas, then one hpa.desired event with from, to and CPU', () => {
    expect(hpaChanges(hpa(1), hpa(3))).to.deep.equal([{ kind: 'hpa.desired', hpa: 'booking', from: 1, to: 3, current: 1, cpuUtilPercent: 180 }]);
    expect(hpaChanges(hpa(3), hpa(3))).to.deep.equal([]);
  });

  it('when an HPA condition changes status or reason, then an hpa.condition event; unchanged ones stay quiet', () => {
    const before = hpa(3, [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }, { type: 'ScalingLimited', status: 'False' }]);
    const after = hpa(3, [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }, { type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas' }]);
    const events = hpaChanges(before, after);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ kind: 'hpa.condition', type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas' });
  });

  it('when a pod is added, gets ready, terminates and is deleted, then each step is an event', () => {
    expect(podChanges(undefined, pod(false)).map((e) => e.kind)).to.deep.equal(['pod.added']);
    expect(podChanges(pod(false), pod(true)).map((e) => e.kind)).to.deep.equal(['pod.ready']);
    const terminating = pod(false, {
      metadata: { name: 'booking-7d9f8c6b5-x2x4z', deletionTimestamp: new Date() },
      status: { containerStatuses: [{ name: 'app', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    });
    expect(podChanges(pod(true), terminating).map((e) => e.kind)).to.deep.equal(['pod.unready', 'pod.terminating', 'pod.terminated']);
    expect(podChanges(terminating, undefined)).to.deep.equal([{ kind: 'pod.deleted', pod: 'booking-7d9f8c6b5-x2x4z' }]);
  });

  it('when deployment replica counts move, then deployment.replicas carries them', () => {
    const d = (ready: number): V1Deployment => ({ metadata: { name: 'booking' }, spec: { replicas: 3, selector: {}, template: {} }, status: { replicas: 3, readyReplicas: ready, updatedReplicas: 3 } });
    expect(deploymentChanges(d(1), d(2))).to.deep.equal([{ kind: 'deployment.replicas', deployment: 'booking', desired: 3, current: 3, ready: 2, updated: 3 }]);
    expect(deploymentChanges(d(2), d(2))).to.deep.equal([]);
  });

  it('when a TestRun changes stage, then testrun.stage from -> to', () => {
    const tr = (stage?: string) => ({ metadata: { name: 'spike' }, status: stage ? { stage } : undefined });
    expect(testRunChanges(tr('created'), tr('started'))).to.deep.equal([{ kind: 'testrun.stage', testRun: 'spike', from: 'created', to: 'started' }]);
    expect(testRunChanges(tr('started'), tr('started'))).to.deep.equal([]);
    expect(testRunChanges(undefined, tr())).to.deep.equal([{ kind: 'testrun.stage', testRun: 'spike', from: null, to: null }]);
  });

  it('when CPU quantities come in millicores or cores, then they read as cores', () => {
    expect(cpuCores('250m')).to.equal(0.25);
    expect(cpuCores('2')).to.equal(2);
    expect(cpuCores(undefined)).to.equal(null);
  });
});
