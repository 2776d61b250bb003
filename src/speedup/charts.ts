import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { formatSize } from '../util/size.js';
import { amdahlSpeedup } from './models.js';
import { PHASE_LABELS, PHASES } from './phases.js';
import type { SpeedupReport } from './report.js';

/**
 * The charts of a speedup report, as Vega-Lite specs rendered to SVG by Vega in Node (no browser, no
 * canvas). Series names double as legend labels, so a reader of the SVG (or a test) finds them as text.
 */

/** A Vega-Lite spec as plain data (checked by Vega-Lite when it compiles). */
export type ChartSpec = Record<string, unknown>;

/** Legend labels of the speedup chart's series. */
export const SERIES = {
  measured: 'measured S(p) = T(1)/T(p)',
  sequential: 'measured T_seq/T(p)',
  ideal: 'ideal S(p) = p',
  amdahl: 'Amdahl fit',
  efficiency: 'efficiency S(p)/p',
  karpFlatt: 'Karp–Flatt e(p)',
} as const;

const COLORS = {
  measured: '#1f77b4',
  sequential: '#17becf',
  ideal: '#7f7f7f',
  amdahl: '#ff7f0e',
  efficiency: '#2ca02c',
  karpFlatt: '#d62728',
};
const PHASE_COLORS = ['#9e9e9e', '#8c6bb1', '#1f77b4', '#bcbd22', '#ff7f0e', '#2ca02c', '#e377c2'];
const WIDTH = 300;
/** Legends of the line charts: below the plot (never over a line), labels never cut. */
const LEGEND = { orient: 'bottom', direction: 'vertical', labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 2 } as const;
const HEIGHT = 220;

function workerAxis(r: SpeedupReport) {
  const counts = r.points.map((p) => p.workers);
  const max = Math.max(2, ...counts);
  return {
    field: 'workers',
    type: 'quantitative' as const,
    title: 'workers p',
    scale: { domain: [1, max], nice: false },
    axis: { values: counts, format: 'd', grid: false },
  };
}

/** Speedup against the worker count: measured, against T_seq, the ideal line and the Amdahl fit. */
export function speedupChartSpec(r: SpeedupReport): ChartSpec {
  const max = Math.max(2, ...r.points.map((p) => p.workers));
  const rows: Array<{ workers: number; speedup: number; series: string }> = [];
  for (const p of r.points) rows.push({ workers: p.workers, speedup: p.speedup, series: SERIES.measured });
  for (const p of r.points)
    if (p.speedupVsSequential !== null) rows.push({ workers: p.workers, speedup: p.speedupVsSequential, series: SERIES.sequential });
  rows.push({ workers: 1, speedup: 1, series: SERIES.ideal }, { workers: max, speedup: max, series: SERIES.ideal });
  const amdahl = r.amdahl ? `${SERIES.amdahl} (f = ${r.amdahl.serialFraction.toFixed(3)})` : undefined;
  if (r.amdahl && amdahl) {
    for (let i = 0; i <= 40; i++) {
      const p = 1 + ((max - 1) * i) / 40;
      rows.push({ workers: p, speedup: amdahlSpeedup(r.amdahl.serialFraction, p), series: amdahl });
    }
  }
  const domain = [SERIES.measured, ...(r.sequential ? [SERIES.sequential] : []), SERIES.ideal, ...(amdahl ? [amdahl] : [])];
  const range = [COLORS.measured, ...(r.sequential ? [COLORS.sequential] : []), COLORS.ideal, ...(amdahl ? [COLORS.amdahl] : [])];
  const dashes = [[1, 0], ...(r.sequential ? [[1, 0]] : []), [4, 4], ...(amdahl ? [[8, 3]] : [])];
  const color = { field: 'series', type: 'nominal' as const, title: null, scale: { domain, range }, legend: LEGEND };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Speedup',
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    encoding: {
      x: workerAxis(r),
      y: { field: 'speedup', type: 'quantitative', title: 'speedup', scale: { zero: false, domainMin: 0 } },
      color,
      // Same field and legend as color: one legend whose symbols show both the colour and the dash.
      strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain, range: dashes }, legend: LEGEND },
    },
    layer: [
      { mark: { type: 'line', strokeWidth: 2, clip: true } },
      {
        transform: [{ filter: { field: 'series', oneOf: [SERIES.measured, SERIES.sequential] } }],
        mark: { type: 'point', filled: true, size: 50 },
      },
    ],
  };
}

/** Efficiency S(p)/p and the Karp–Flatt serial fraction against the worker count. */
export function efficiencyChartSpec(r: SpeedupReport): ChartSpec {
  const rows: Array<{ workers: number; value: number; series: string }> = [];
  for (const p of r.points) rows.push({ workers: p.workers, value: p.efficiency, series: SERIES.efficiency });
  for (const p of r.points) if (p.karpFlatt !== null) rows.push({ workers: p.workers, value: p.karpFlatt, series: SERIES.karpFlatt });
  const domain = [SERIES.efficiency, SERIES.karpFlatt];
  const top = Math.max(1.1, ...rows.map((d) => d.value));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Efficiency and Karp–Flatt serial fraction',
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    encoding: {
      x: workerAxis(r),
      y: { field: 'value', type: 'quantitative', title: 'fraction', scale: { domain: [Math.min(0, ...rows.map((d) => d.value)), top] } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range: [COLORS.efficiency, COLORS.karpFlatt] },
        legend: LEGEND,
      },
    },
    layer: [{ mark: { type: 'line', strokeWidth: 2 } }, { mark: { type: 'point', filled: true, size: 50 } }],
  };
}

/** Where the time went: a stacked bar of phase times (median run) per setting. */
export function phaseChartSpec(r: SpeedupReport): ChartSpec {
  const settings = [
    ...(r.sequential ? [{ label: 'seq', s: r.sequential }] : []),
    ...r.points.map((p) => ({ label: `${p.workers}`, s: p as typeof p })),
  ];
  const rows = settings.flatMap(({ label, s }) =>
    PHASES.map((k, order) => ({ setting: label, phase: PHASE_LABELS[k], order, ms: s.phases[k] })),
  );
  const labels = PHASES.map((k) => PHASE_LABELS[k]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Where the time went (median run)',
    width: Math.max(WIDTH, 60 * settings.length),
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'setting',
        type: 'ordinal',
        title: 'workers (seq = sequential, no threads)',
        sort: settings.map((s) => s.label),
        axis: { labelAngle: 0 },
      },
      y: { field: 'ms', type: 'quantitative', title: 'wall time (ms)', stack: 'zero' },
      color: { field: 'phase', type: 'nominal', title: 'phase', scale: { domain: labels, range: PHASE_COLORS }, sort: labels },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

/** All three charts in one figure, for `--svg`. */
export function dashboardSpec(r: SpeedupReport): ChartSpec {
  const strip = ({ $schema: _s, ...rest }: ChartSpec) => rest;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `quiver speedup: ${r.job.name}`, subtitle: chartSubtitle(r), anchor: 'start', offset: 16, fontSize: 15 },
    padding: 12,
    vconcat: [
      {
        hconcat: [strip(speedupChartSpec(r)), strip(efficiencyChartSpec(r))],
        resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
      },
      strip(phaseChartSpec(r)),
    ],
    resolve: { scale: { color: 'independent' } },
    config: { concat: { spacing: 30 } },
  };
}

/** The line under a chart's title: input, machine, repeats. */
export function chartSubtitle(r: SpeedupReport): string {
  return (
    `${formatSize(r.input.bytes)}, ${r.input.rows.toLocaleString('en-US')} rows · ${r.machine.cores} cores · median of ` +
    `${r.settings.repeat} runs · ${r.createdAt.slice(0, 10)}`
  );
}

/** Renders a Vega-Lite spec to an SVG document in Node. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
