import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ERROR_CODES } from '../src/lib/errors';
import { call, startApp, TestApp } from './support';

// The contract the service serves is the committed app/openapi.json, valid OpenAPI 3.1, and names
// every error code the service can answer.

describe('the API contract', () => {
  let app: TestApp;
  let served: any;
  before(async () => {
    app = await startApp();
    served = (await call(app, 'GET', '/openapi.json')).body;
  });
  after(async () => { await app.stop(); });

  it('when /openapi.json is fetched, then it equals the committed app/openapi.json', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '../openapi.json'), 'utf8'));
    expect(served, 'app/openapi.json is stale: run `npm run -w app openapi` and commit it').to.deep.equal(committed);
  });

  it('when the document is validated against the OpenAPI 3.1 schema, then it is valid', async () => {
    const validator = new Validator();
    const result = await validator.validate(served);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
  });

  it('when the documented error codes are collected, then every code the service uses is among them', () => {
    const documented = new Set<string>(JSON.stringify(served).match(/"[A-Z][A-Z_]+[A-Z]"/g)?.map((s) => s.slice(1, -1)));
    // ROUTE_NOT_FOUND belongs to no route; INTERNAL_ERROR is the one answer that must never happen.
    const missing = ERROR_CODES.filter((c) => !documented.has(c) && c !== 'ROUTE_NOT_FOUND' && c !== 'INTERNAL_ERROR');
    expect(missing).to.deep.equal([]);
  });
});
