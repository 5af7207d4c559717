import { fileURLToPath } from 'node:url';
import { bookingDashboard } from './dashboard.js';

/** Where the chart reads the dashboard from. */
export const DASHBOARD_FILE = fileURLToPath(new URL('../../booking/files/dashboard.json', import.meta.url));

/** The file's exact content: the built dashboard as indented JSON. */
export const renderDashboard = () => `${JSON.stringify(bookingDashboard(), null, 2)}\n`;
