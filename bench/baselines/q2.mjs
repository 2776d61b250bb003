// Hand-written sequential db-benchmark group-by Q2 (as the engine runs it): sum v3 and count by id6
// (integer keys, N/100 groups: 100K at 10M rows).
//   node bench/baselines/q2.mjs <file.arrow>     prints id6,sum_v3,count sorted by id6
import { readArrow, runIfMain } from './common.mjs';

/** id6 → [sum of v3, count]. */
export function q2(file) {
  const table = readArrow(file);
  const groups = new Map();
  for (const batch of table.batches) {
    const id6 = batch.getChild('id6').data[0].values;
    const v3 = batch.getChild('v3').data[0].values;
    for (let i = 0; i < id6.length; i++) {
      const g = groups.get(id6[i]);
      if (g === undefined) groups.set(id6[i], [v3[i], 1]);
      else {
        g[0] += v3[i];
        g[1] += 1;
      }
    }
  }
  return groups;
}

runIfMain(import.meta.url, ['id6', 'sum_v3', 'count'], q2);
