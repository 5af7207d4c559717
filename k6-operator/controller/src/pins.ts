/**
 * The pins of versions.env at the repository's root: every tool version and local image tag, in
 * one place for make, the scripts and the TypeScript that renders or records them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSIONS_ENV = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'versions.env');

export function pins(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(VERSIONS_ENV, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export function pinned(name: string): string {
  const value = pins()[name];
  if (value === undefined) throw new Error(`${name} is not pinned in versions.env`);
  return value;
}
