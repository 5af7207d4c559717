import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { bookingDashboard } from '../src/dashboard.js';
import { DASHBOARD_FILE, renderDashboard } from '../src/render.js';

describe('the booking dashboard as code', () => {
  it('when it is rendered, then it equals the committed charts/booking/files/dashboard.json', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8') === renderDashboard(),
      'dashboard.json is stale: run `npm run -w charts/dashboard generate` and commit it').to.equal(true);
  });

  it('when its panels are read, then each has a unique id, a title, a unit and only Prometheus targets on the chosen datasource', () => {
    const panels = bookingDashboard().panels as any[];
    expect(panels.map((p) => p.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const p of panels) {
      expect(p.title, 'title').to.be.a('string').and.not.empty;
      expect(p.fieldConfig.defaults.unit, `${p.title} unit`).to.be.a('string');
      for (const t of p.targets) {
        expect(t.datasource).to.deep.equal({ type: 'prometheus', uid: '${datasource}' });
        expect(t.expr, `${p.title} ${t.refId}`).to.match(/\S/);
      }
    }
  });
});
