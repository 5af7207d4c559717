// Writes the API contract to app/openapi.json (`npm run -w app openapi`); a test fails when the
// committed file and the one the service serves differ.
import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../openapi';

const file = path.resolve(__dirname, '../../openapi.json');
fs.writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
