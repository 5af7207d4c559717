import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { SEED_SIZES } from '../src/lib/seed-sizes';

// k6 runs JavaScript and cannot import the service's TypeScript, so journey.js keeps its own copy
// of the seed sizes. Its scenarios pick user, concert and schedule ids from it: a copy that drifts
// sends them to ids that do not exist.

const JOURNEY = path.join(__dirname, '../../k6-operator/scripts/journey.js');

/** The value of `const <name> = {...}` in a script, read by parsing it (nested objects of numbers). */
function objectLiteral(file: string, name: string): unknown {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  let found: ts.Expression | undefined;
  source.forEachChild(function visit(node) {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name) found = node.initializer;
    else node.forEachChild(visit);
  });
  if (!found) throw new Error(`no \`const ${name} = ...\` in ${file}`);
  return valueOf(found);
}

function valueOf(node: ts.Expression): unknown {
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isObjectLiteralExpression(node)) {
    return Object.fromEntries(node.properties.map((p) => {
      if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
        throw new Error(`unsupported property: ${p.getText()}`);
      }
      return [p.name.text, valueOf(p.initializer)];
    }));
  }
  throw new Error(`unsupported value: ${node.getText()}`);
}

describe('the seed sizes', () => {
  it('when k6-operator/scripts/journey.js is read, then its SEEDS equal SEED_SIZES (app/src/lib/seed-sizes.ts)', () => {
    expect(objectLiteral(JOURNEY, 'SEEDS')).to.deep.equal(SEED_SIZES);
  });
});
