import { defineJob, joinKey, type JobContext } from 'quiver';
import type { RecordBatch } from 'apache-arrow';

/**
 * Group-by with aggregations, as in the db-benchmark questions: `--param by=id1,id2` and
 * `--param agg=sum:v1,mean:v3,count,min:v2,max:v2`. Output: the key columns, then one column per
 * aggregate in the order given, named `sum_v1`, `mean_v3`, `count`, ….
 *
 * Each batch is aggregated in a local map with typed-array column access, and each group is emitted
 * once per batch, so the per-row work is a plain loop.
 */
type Agg = { op: 'sum' | 'mean' | 'count' | 'min' | 'max'; column?: string; name: string; slot: number };

function parseAggs(specs: string[]): { aggs: Agg[]; width: number } {
  let slot = 0;
  const aggs = specs.map((spec): Agg => {
    const [op, column] = spec.split(':') as [Agg['op'], string | undefined];
    if (!['sum', 'mean', 'count', 'min', 'max'].includes(op)) throw new Error(`--param agg: unknown aggregate "${op}" in "${spec}"; use sum:col, mean:col, count, min:col or max:col`);
    if (op !== 'count' && !column) throw new Error(`--param agg: "${spec}" needs a column, e.g. ${op}:v1`);
    const agg: Agg = { op, column, name: op === 'count' ? 'count' : `${op}_${column}`, slot };
    slot += op === 'mean' ? 2 : 1;
    return agg;
  });
  return { aggs, width: slot };
}

function keysOf(batch: RecordBatch, by: string[], ctx: JobContext): Array<string | number> | ArrayLike<number> {
  const cols = by.map((c) => {
    const type = String(batch.getChild(c)?.type ?? '');
    return /Utf8|Dictionary/.test(type) ? ctx.strings(batch, c) : (ctx.column(batch, c) as ArrayLike<number>);
  });
  if (cols.length === 1) return cols[0]! as Array<string | number>;
  const out = new Array<string>(batch.numRows);
  for (let i = 0; i < out.length; i++) out[i] = joinKey(...cols.map((c) => c[i] as string | number));
  return out;
}

export default defineJob({
  name: 'groupby',
  description: 'group rows by key columns and aggregate (sum, mean, count, min, max)',
  params: {
    by: { type: 'list', description: 'key column(s), e.g. id1 or id1,id2' },
    agg: { type: 'list', default: ['count'], description: 'aggregates, e.g. sum:v1,mean:v3,count' },
  },
  columns: (params) => [...(params.by as string[]), ...(params.agg as string[]).flatMap((a) => a.split(':').slice(1))],
  output: (params) => ({ key: params.by as string[] }),
  map(batch, emit, ctx) {
    const { aggs, width } = parseAggs(ctx.params.agg as string[]);
    const keys = keysOf(batch, ctx.params.by as string[], ctx);
    const cols = aggs.map((a) => (a.column ? (ctx.column(batch, a.column) as ArrayLike<number>) : undefined));
    const local = new Map<string | number, number[]>();
    const n = batch.numRows;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      let acc = local.get(k);
      if (acc === undefined) {
        acc = new Array<number>(width).fill(0);
        for (const a of aggs) if (a.op === 'min') acc[a.slot] = Infinity; else if (a.op === 'max') acc[a.slot] = -Infinity;
        local.set(k, acc);
      }
      for (let j = 0; j < aggs.length; j++) {
        const a = aggs[j]!;
        const s = a.slot;
        switch (a.op) {
          case 'count': acc[s]! += 1; break;
          case 'sum': acc[s]! += Number(cols[j]![i]); break;
          case 'mean': acc[s]! += Number(cols[j]![i]); acc[s + 1]! += 1; break;
          case 'min': { const v = Number(cols[j]![i]); if (v < acc[s]!) acc[s] = v; break; }
          case 'max': { const v = Number(cols[j]![i]); if (v > acc[s]!) acc[s] = v; break; }
        }
      }
    }
    for (const [k, acc] of local) emit(k, acc);
  },
  combine(a: number[], b: number[], ctx) {
    for (const g of parseAggs(ctx.params.agg as string[]).aggs) {
      const s = g.slot;
      if (g.op === 'min') a[s] = Math.min(a[s]!, b[s]!);
      else if (g.op === 'max') a[s] = Math.max(a[s]!, b[s]!);
      else {
        a[s]! += b[s]!;
        if (g.op === 'mean') a[s + 1]! += b[s + 1]!;
      }
    }
    return a;
  },
  reduce(_key, acc: number[], ctx) {
    const { aggs } = parseAggs(ctx.params.agg as string[]);
    const row: Record<string, number> = {};
    for (const a of aggs) row[a.name] = a.op === 'mean' ? acc[a.slot]! / acc[a.slot + 1]! : acc[a.slot]!;
    return row;
  },
});
