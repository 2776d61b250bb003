import { efficiencyChartSpec, phaseChartSpec, renderSvg, speedupChartSpec } from './charts.js';
import { amdahlLine, headline, overheadLine, PHASE_NOTE, phaseCells, predictionCells, scalingCells, type Cells } from './format.js';
import type { SpeedupReport } from './report.js';

/**
 * The HTML report: one self-contained page (no script, no network) with the charts as inline SVG
 * rendered in Node, the tables, the warnings, and the JSON report embedded for programs to read.
 */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function htmlTable(c: Cells, caption: string): string {
  const head = `<tr>${c.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = c.rows
    .map((r) => `<tr>${r.map((x, j) => (j === 0 ? `<th scope="row">${escapeHtml(x)}</th>` : `<td>${escapeHtml(x)}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<table><caption>${escapeHtml(caption)}</caption><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(name: string, svg: string): string {
  return `<figure class="chart" data-chart="${name}">${svg.replace(/^<\?xml[^>]*>\s*/, '')}</figure>`;
}

/** Renders the whole page. */
export async function renderHtmlReport(r: SpeedupReport): Promise<string> {
  const [speedup, efficiency, phases] = await Promise.all([
    renderSvg(speedupChartSpec(r)),
    renderSvg(efficiencyChartSpec(r)),
    renderSvg(phaseChartSpec(r)),
  ]);
  const predictions = predictionCells(r);
  const notes = [overheadLine(r), amdahlLine(r)].filter((x): x is string => x !== undefined);
  const runs = [
    ...(r.sequential ? [['sequential', r.sequential.runs] as const] : []),
    ...r.points.map((p) => [`${p.workers}`, p.runs] as const),
  ];
  const runCells: Cells = {
    header: ['workers', ...Array.from({ length: r.settings.repeat }, (_, i) => `run ${i + 1} (ms)`)],
    rows: runs.map(([label, rs]) => [label, ...rs.map((x) => x.wallMs.toFixed(1))]),
  };
  // The JSON rides along for programs; `<` is escaped so no string in it can close the script element.
  const json = JSON.stringify(r).replace(/</g, '\\u003c');
  const machine = [r.machine.cpuModel, `Node ${r.machine.node}`, `${r.machine.platform}-${r.machine.arch}`, r.createdAt]
    .map(escapeHtml)
    .join(' · ');
  const warnings = r.warnings.length
    ? `<div class="warnings"><strong>Warnings</strong><ul>${r.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`
    : '';
  const footer =
    `<footer>Made by <code>quiver speedup</code> on ${escapeHtml(r.createdAt)}. Input: ${escapeHtml(r.input.paths.join(', '))}. ` +
    `The measurements are embedded below as JSON (schema ${escapeHtml(r.schema)}).</footer>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>quiver speedup: ${escapeHtml(r.job.name)}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
         margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
  .sub { color: #555; margin-top: 0; }
  .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
  figure.chart { margin: 0; }
  table { border-collapse: collapse; margin: 1rem 0 1.5rem; font-variant-numeric: tabular-nums; }
  caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
  th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
  th[scope="row"], thead th:first-child { text-align: left; }
  thead th { border-bottom: 2px solid #888; }
  .warnings { background: #fff6e0; border-left: 4px solid #f0a500; padding: 0.5rem 1rem; }
  .caveat { color: #555; font-size: 0.9em; }
  footer { color: #777; font-size: 0.85em; margin-top: 2rem; }
</style>
</head>
<body>
<h1>quiver speedup: ${escapeHtml(r.job.name)}</h1>
<p class="sub">${escapeHtml(headline(r))}<br>${machine}</p>
${warnings}
<div class="charts">
${figure('speedup', speedup)}
${figure('efficiency', efficiency)}
</div>
${htmlTable(scalingCells(r), 'Scaling (median wall time T over the timed runs)')}
${notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('\n')}
${predictions && r.amdahl ? `${htmlTable(predictions, 'Amdahl predictions')}<p class="caveat">${escapeHtml(r.amdahl.caveat)}</p>` : ''}
<div class="charts">
${figure('phases', phases)}
</div>
${htmlTable(phaseCells(r), `Where the time went (${PHASE_NOTE})`)}
${htmlTable(runCells, 'Every timed run')}
${footer}
<script type="application/json" id="quiver-speedup-report">${json}</script>
</body>
</html>
`;
}
