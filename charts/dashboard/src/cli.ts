// Writes charts/booking/files/dashboard.json from src/dashboard.ts.
import { writeFileSync } from 'node:fs';
import { DASHBOARD_FILE, renderDashboard } from './render.js';

writeFileSync(DASHBOARD_FILE, renderDashboard());
process.stdout.write(`wrote ${DASHBOARD_FILE}\n`);
