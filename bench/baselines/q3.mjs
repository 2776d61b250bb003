// Hand-written sequential db-benchmark group-by Q3: sum v1 and mean v3 by id3 (string keys, N/100
// groups: 100K at 10M rows).
//   node bench/baselines/q3.mjs <file.arrow>     prints id3,sum_v1,mean_v3 sorted by id3
import { readArrow, runIfMain, utf8Strings } from './common.mjs';

/** id3 → [sum of v1, mean of v3]. */
export function q3(file) {
  const table = readArrow(file);
  const groups = new Map();
  for (const batch of table.batches) {
    const id3 = utf8Strings(batch.getChild('id3').data[0]);
    const v1 = batch.getChild('v1').data[0].values;
    const v3 = batch.getChild('v3').data[0].values;
    for (let i = 0; i < id3.length; i++) {
      const g = groups.get(id3[i]);
      if (g === undefined) groups.set(id3[i], [v1[i], v3[i], 1]);
      else {
        g[0] += v1[i];
        g[1] += v3[i];
        g[2] += 1;
      }
    }
  }
  const out = new Map();
  for (const [k, [sum1, sum3, n]] of groups) out.set(k, [sum1, sum3 / n]);
  return out;
}

runIfMain(import.meta.url, ['id3', 'sum_v1', 'mean_v3'], q3);
