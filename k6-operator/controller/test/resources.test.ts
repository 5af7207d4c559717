import { expect } from 'chai';
import { parseInspect } from '../src/reconcile.js';
import { initializerJob, RESUME_BODY, runnerJob, runnerService, starterJob } from '../src/resources.js';
import { parseSpec, testIdOf, type TestRun } from '../src/testrun.js';

const testRun = (spec: Record<string, unknown>): TestRun => ({
  metadata: { name: 'token-burst', namespace: 'loadtest', uid: 'u-1' },
  spec: { parallelism: 2, script: { configMap: { name: 'headroom-k6-scripts', file: 'token-burst.js' } }, arguments: '-o experimental-prometheus-rw --tag testid=x1', runner: { image: 'k6:v1' }, ...spec },
});

describe('the objects of a TestRun', () => {
  it('runner i: paused, its segment, the arguments, its tags; owned by the TestRun', () => {
    const job = runnerJob(testRun({}), 2);
    expect(job.metadata?.name).to.equal('token-burst-2');
    expect(job.metadata?.ownerReferences?.[0]).to.include({ kind: 'TestRun', uid: 'u-1', controller: true });
    expect(job.spec?.template.spec?.containers[0].command).to.deep.equal([
      'k6', 'run', '--quiet', '--execution-segment=1/2:1', '--execution-segment-sequence=0,1/2,1',
      '-o', 'experimental-prometheus-rw', '--tag', 'testid=x1', '/test/token-burst.js',
      '--address=0.0.0.0:6565', '--paused', '--tag', 'instance_id=2', '--tag', 'testrun_name=token-burst']);
    expect(job.spec?.template.spec?.volumes?.[0].configMap?.name).to.equal('headroom-k6-scripts');
    expect(runnerService(testRun({}), 2).spec?.selector).to.include({ k6_cr: 'token-burst', 'runner-index': '2' });
  });
  it('unpaused runners start at once: no --paused', () => {
    expect(runnerJob(testRun({ paused: 'false' }), 1).spec?.template.spec?.containers[0].command).to.not.include('--paused');
  });
  it('the initializer archives without outputs, then inspects', () => {
    const sh = initializerJob(testRun({})).spec!.template.spec!.containers[0].command!.join(' ');
    expect(sh).to.match(/k6 archive --include-system-env-vars '\/test\/token-burst.js' '-O' '\/tmp\/token-burst.js.archived.tar' '--tag' 'testid=x1' && echo HEADROOM_INSPECT && k6 inspect --execution-requirements/);
    expect(sh).to.not.include('experimental-prometheus-rw');
  });
  it('the starter resumes every runner through its Service', () => {
    const sh = starterJob(testRun({})).spec!.template.spec!.containers[0].command![2];
    expect(sh.match(/curl/g)).to.have.length(2);
    expect(sh).to.include('http://token-burst-service-2.loadtest.svc:6565/v1/status');
    expect(sh).to.include(RESUME_BODY);
  });
  it('refuses what it cannot run, with a reason', () => {
    expect(parseSpec({ parallelism: 1, script: { volumeClaim: { name: 'x' } } })).to.have.property('error').that.match(/configMap/);
    expect(parseSpec({ parallelism: 0, script: {} })).to.have.property('error').that.match(/parallelism/);
    expect(testIdOf(parseSpec(testRun({}).spec) as never)).to.equal(undefined);
    const parsed = parseSpec(testRun({}).spec);
    expect('spec' in parsed && testIdOf(parsed.spec)).to.equal('x1');
  });
  it("reads k6 inspect's JSON after the marker", () => {
    expect(parseInspect('noise\nHEADROOM_INSPECT\n{\n "maxVUs": 300,\n "totalDuration": "1m10s"\n}\n')).to.deep.equal({ maxVUs: 300, totalDuration: '1m10s' });
    expect(parseInspect('ERRO[0000] SyntaxError')).to.equal(undefined);
  });
});
