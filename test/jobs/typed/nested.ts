import path from 'node:path';
import pl from 'nodejs-polars';
import { expect } from 'vitest';
import type { Canon } from './oracle.js';

/**
 * A table of LIST and STRUCT columns, with nulls as whole values and inside them, written by DuckDB
 * (`duck.parquet`) and, read from it, by Polars (`polars.parquet`, `polars.arrow`): lists of integers
 * and of text, a struct of an integer, text, a boolean and a double (NaN included), a list of structs
 * with a BIGINT past 2^53, an INTEGER `g` and a BIGINT `v`, and a row id `i`.
 */
export async function writeNestedFiles(
  dir: string,
  db: { run: (sql: string) => Promise<void>; sql: (sql: string) => Promise<Canon[][]> },
): Promise<void> {
  const file = (name: string) => path.join(dir, name);
  await db.run(`COPY (SELECT i::INTEGER AS i,
      CASE WHEN i % 9 = 4 THEN NULL ELSE [[1, 2], [1], [], [1, NULL], [NULL], [1, 2, 3], [2], [0, 5], [-3]][i % 9 + 1] END AS l,
      CASE WHEN i % 10 = 7 THEN NULL ELSE [['a', 'b'], ['a'], ['é', NULL], ['b'], ['a', 'b', ''], ['z']][i % 6 + 1] END AS ls,
      CASE WHEN i % 7 = 2 THEN NULL ELSE [{'x': 1, 'y': 'a', 'b': true, 'd': 0.5::DOUBLE}, {'x': NULL, 'y': 'a', 'b': false, 'd': -1.25},
        {'x': 1, 'y': NULL, 'b': NULL, 'd': 0.5}, {'x': 0, 'y': 'z', 'b': true, 'd': NULL},
        {'x': 1, 'y': 'a', 'b': false, 'd': 'NaN'::DOUBLE}][i % 5 + 1] END AS st,
      CASE WHEN i % 8 = 5 THEN NULL ELSE [[{'a': 1::BIGINT}], [{'a': NULL}], [], [{'a': 9007199254740993::BIGINT}, {'a': -2}]][i % 4 + 1] END AS lst,
      CASE WHEN i % 13 = 6 THEN NULL ELSE (i % 3)::INTEGER END AS g,
      CASE WHEN i % 11 = 1 THEN NULL ELSE (i * 7 % 23)::BIGINT END AS v
    FROM range(2000) t(i)) TO '${file('duck.parquet')}' (ROW_GROUP_SIZE 2048)`);
  const df = pl.readParquet(file('duck.parquet'));
  df.writeParquet(file('polars.parquet'));
  df.writeIPC(file('polars.arrow'));
  expect(df.dtypes.map(String).filter((t) => /List|Struct/.test(t))).toHaveLength(4);
  const [nulls] = await db.sql(
    `SELECT count(*) - count(l), count(*) - count(ls), count(*) - count(st), count(*) - count(lst) FROM '${file('duck.parquet')}'`,
  );
  expect(nulls!.every((x) => Number(x) > 0)).toBe(true);
}
