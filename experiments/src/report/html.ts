/**
 * report.html: report.md's content as one self-contained page, for a browser. The markdown is
 * rendered by marked; each chart image becomes the same Vega-Lite chart drawn in the page by the
 * Vega runtime (inlined, no network), with tooltips and, on the time charts, drag to pan and
 * wheel to zoom.
 *
 *   renderHtml(markdown: string, charts: Record<string, TopLevelSpec>, title: string): string
 *     charts: by the SVG file name report.md links (replicas.svg, latency.svg, usl.svg)
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { marked } from 'marked';
import { compile, type TopLevelSpec } from 'vega-lite';

const require = createRequire(import.meta.url);
let runtime: string | undefined;
// vega exports only its module entry (build/vega.module.js); the browser bundle sits beside it.
const vegaRuntime = () => (runtime ??= readFileSync(join(dirname(require.resolve('vega')), 'vega.min.js'), 'utf8'));

/** The spec a browser draws: tooltips on every mark and, where x is time, pan and zoom on x. */
export function interactive(spec: TopLevelSpec): TopLevelSpec {
  // Only the parts touched here are typed: a layer's mark (a name or a definition) and its params.
  type Layer = { mark?: string | { type: string }; params?: unknown[] };
  const s = structuredClone(spec) as TopLevelSpec & { layer?: Layer[] };
  for (const layer of s.layer ?? []) {
    if (typeof layer.mark === 'object' && layer.mark.type !== 'rect') layer.mark = { ...layer.mark, tooltip: { content: 'data' } } as Layer['mark'];
  }
  const first = s.layer?.[0];
  if (first) first.params = [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }];
  return s;
}

export function renderHtml(markdown: string, charts: Record<string, TopLevelSpec>, title: string): string {
  const specs: Record<string, unknown> = {};
  let n = 0;
  // A chart alone in its paragraph becomes a figure in place of that paragraph.
  const body = marked.parse(markdown, { async: false, gfm: true }).replace(/(?:<p>)?<img src="([^"]+)" alt="([^"]*)"[^>]*>(?:<\/p>)?/g, (img, src: string, alt: string) => {
    const spec = charts[src];
    if (!spec) return img;
    const id = `chart-${++n}`;
    specs[id] = compile(interactive(spec)).spec;
    return `<figure><div id="${id}" class="chart" role="img" aria-label="${alt}"></div><figcaption>${alt}</figcaption></figure>`;
  });
  // "</script" inside inlined JSON or code would end the <script> element early ("<\/" means the same there).
  const inline = (text: string) => text.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
  table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
  th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; }
  code { background: #f3f3f3; padding: 0 3px; }
  figure { margin: 1.5em 0; } figcaption { color: #666; font-size: 13px; }
  .chart { min-height: 300px; }
</style>
</head>
<body>
${body}
<script>${inline(vegaRuntime())}</script>
<script>
const specs = ${inline(JSON.stringify(specs))};
for (const [id, spec] of Object.entries(specs)) {
  new vega.View(vega.parse(spec), { renderer: 'svg', container: '#' + id, hover: true }).runAsync();
}
</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
