/**
 * The recorder's files: samples.csv and events.jsonl, written a line at a time and read back.
 *
 *   new SamplesCsv(path)        .append(sample: Sample): void     header written on creation
 *   new EventsJsonl(path)       .append(event: RunEvent): void
 *   readSamplesCsv(path): Sample[]       columns by header name; a file from before a column was
 *                                        added reads it as null
 *   readEventsJsonl(path): RunEvent[]
 *   toCsvRow(cells: Array<string | number | null | undefined>): string
 *   parseCsvLine(line: string): string[]
 *
 * Each line is appended synchronously: a run that dies mid-way keeps every sample it took, and a
 * line every few seconds costs nothing.
 */

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FIRST_OPTIONAL_SAMPLE_COLUMN, SAMPLE_COLUMNS, type RunEvent, type Sample } from '../model.js';

export class SamplesCsv {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) writeFileSync(path, toCsvRow(SAMPLE_COLUMNS.map(([col]) => col)) + '\n');
  }

  append(sample: Sample): void {
    appendFileSync(this.path, toCsvRow(SAMPLE_COLUMNS.map(([, key]) => sample[key])) + '\n');
  }
}

export class EventsJsonl {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) writeFileSync(path, '');
  }

  append(event: RunEvent): void {
    appendFileSync(this.path, JSON.stringify(event) + '\n');
  }
}

export function toCsvRow(cells: Array<string | number | null | undefined>): string {
  return cells.map(formatCell).join(',');
}

function formatCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '';
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  }
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function readSamplesCsv(path: string): Sample[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (!lines.length) return [];
  const header = parseCsvLine(lines[0]);
  const index = new Map(header.map((h, i) => [h, i]));
  const firstOptional = SAMPLE_COLUMNS.findIndex(([col]) => col === FIRST_OPTIONAL_SAMPLE_COLUMN);
  const missing = SAMPLE_COLUMNS.slice(0, firstOptional).filter(([col]) => !index.has(col)).map(([col]) => col);
  if (missing.length) throw new Error(`${path}: missing column(s) ${missing.join(', ')}`);
  return lines.slice(1).map((line) => {
    const cells = parseCsvLine(line);
    const row: Record<string, unknown> = {};
    for (const [col, key] of SAMPLE_COLUMNS) {
      const i = index.get(col);
      const raw = i === undefined ? '' : cells[i] ?? '';
      row[key] = key === 'time' ? raw : raw === '' ? null : Number(raw);
    }
    return row as unknown as Sample;
  });
}

export function readEventsJsonl(path: string): RunEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as RunEvent;
      } catch (err) {
        throw new Error(`${path}:${i + 1}: not JSON (${(err as Error).message})`);
      }
    });
}
