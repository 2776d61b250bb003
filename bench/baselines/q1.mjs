// Hand-written sequential db-benchmark group-by Q1: sum v1 by id1 (100 groups).
//   node bench/baselines/q1.mjs <file.arrow>     prints id1,sum_v1 sorted by id1
import { readArrow, runIfMain, utf8Strings } from './common.mjs';

/** id1 → sum of v1. */
export function q1(file) {
  const table = readArrow(file);
  const sums = new Map();
  for (const batch of table.batches) {
    const id1 = utf8Strings(batch.getChild('id1').data[0]);
    const v1 = batch.getChild('v1').data[0].values;
    for (let i = 0; i < id1.length; i++) sums.set(id1[i], (sums.get(id1[i]) ?? 0) + v1[i]);
  }
  return sums;
}

runIfMain(import.meta.url, ['id1', 'sum_v1'], q1);
