// The cases of bench/peers.mjs, each as every contender writes it: quiver's CLI arguments, DuckDB's SQL
// (db-benchmark's own text for q1–q10), a Polars lazy query, and the hand-written script's plan; plus
// how the checker reads an answer (its key columns and value columns, by position).
//
// Every contender writes its answer to a CSV file (quiver `-o out.csv`, DuckDB `COPY … TO`, Polars
// `writeCSV`/`sinkIpc`), so each whole process does the same work a user's would: read, compute, write.

/** The db-benchmark group-by questions: quiver's `by`/`agg` params, DuckDB's SQL, Polars' aggregation. */
const GROUPBY = {
  q1: { by: ['id1'], agg: 'sum:v1', sql: 'SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1', values: 1 },
  q2: { by: ['id1', 'id2'], agg: 'sum:v1', sql: 'SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2', values: 1 },
  q3: { by: ['id3'], agg: 'sum:v1,mean:v3', sql: 'SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3', values: 2 },
  q4: {
    by: ['id4'],
    agg: 'mean:v1,mean:v2,mean:v3',
    sql: 'SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4',
    values: 3,
  },
  q5: {
    by: ['id6'],
    agg: 'sum:v1,sum:v2,sum:v3',
    sql: 'SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6',
    values: 3,
  },
  q6: {
    by: ['id4', 'id5'],
    agg: 'median:v3,sd:v3',
    sql: 'SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5',
    values: 2,
  },
  q7: { by: ['id3'], agg: 'range:v1:v2', sql: 'SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3', values: 1 },
  q8: {
    by: ['id6'],
    agg: 'top:2:v3',
    // db-benchmark's q8: two rows per group. quiver's `top:2` gives one row with top1 and top2; the
    // checker turns it into db-benchmark's two rows (see `long` below).
    sql:
      'SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 ' +
      'FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2',
    values: 1,
    long: true,
  },
  q9: { by: ['id2', 'id4'], agg: 'r2:v1:v2', sql: 'SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4', values: 1 },
  q10: {
    by: ['id1', 'id2', 'id3', 'id4', 'id5', 'id6'],
    agg: 'sum:v3,count',
    sql: 'SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6',
    values: 2,
  },
};

/** Polars' lazy aggregation of a group-by question (`pl` is nodejs-polars, `lf` the scanned frame). */
const POLARS = {
  q1: (pl, lf) => lf.groupBy('id1').agg(pl.col('v1').sum()),
  q2: (pl, lf) => lf.groupBy(['id1', 'id2']).agg(pl.col('v1').sum()),
  q3: (pl, lf) => lf.groupBy('id3').agg(pl.col('v1').sum(), pl.col('v3').mean()),
  q4: (pl, lf) => lf.groupBy('id4').agg(pl.col('v1').mean(), pl.col('v2').mean(), pl.col('v3').mean()),
  q5: (pl, lf) => lf.groupBy('id6').agg(pl.col('v1').sum(), pl.col('v2').sum(), pl.col('v3').sum()),
  q6: (pl, lf) => lf.groupBy(['id4', 'id5']).agg(pl.col('v3').median().alias('median_v3'), pl.col('v3').std().alias('sd_v3')),
  q7: (pl, lf) => lf.groupBy('id3').agg(pl.col('v1').max().minus(pl.col('v2').min()).alias('range_v1_v2')),
  q8: (pl, lf) =>
    lf
      .dropNulls('v3')
      .groupBy('id6')
      .agg(pl.col('v3').sort({ descending: true }).head(2).alias('largest2_v3'))
      .explode('largest2_v3'),
  q9: (pl, lf) => lf.groupBy(['id2', 'id4']).agg(pl.pearsonCorr('v1', 'v2').pow(2).alias('r2')),
  q10: (pl, lf) => lf.groupBy(['id1', 'id2', 'id3', 'id4', 'id5', 'id6']).agg(pl.col('v3').sum(), pl.len().alias('count')),
};

/** All columns, each decoded: DuckDB and Polars would otherwise read only the two the answer needs. */
const SCAN_SQL =
  'SELECT count(*) AS rows, sum(v1) AS v1, sum(v3) AS v3, max(id1), max(id2), max(id3), sum(id4), sum(id5), sum(id6), sum(v2) FROM x';

/** Word count's tokens: the text has single spaces between words and \n between lines (src/datasets/text.ts). */
const WORDS_SQL =
  "SELECT word, count(*) AS count FROM (SELECT unnest(string_split(line, ' ')) AS word FROM x) WHERE word <> '' GROUP BY word";

/**
 * Every case: `kind` (groupby, wordcount, scan, convert), the inputs it runs on (`formats`: group-by
 * table formats, or `text`), and how the checker reads its answer (`keys` key columns, then `values`).
 */
export const CASES = {
  ...Object.fromEntries(
    Object.entries(GROUPBY).map(([name, q]) => [
      name,
      {
        kind: 'groupby',
        title: `${name} ${q.agg} by ${q.by.join(',')}`,
        ...q,
        keys: q.long ? 2 : q.by.length,
        quiver: ['run', 'groupby', '-p', `by=${q.by.join(',')}`, '-p', `agg=${q.agg}`],
        polars: POLARS[name],
      },
    ]),
  ),
  wordcount: {
    kind: 'wordcount',
    title: 'word count',
    text: true,
    sql: WORDS_SQL,
    keys: 1,
    values: 1,
    quiver: ['run', 'wordcount'],
    polars: (pl, lf) =>
      lf
        .select(pl.col('line').str.split(' ').alias('word'))
        .explode('word')
        .filter(pl.col('word').neq(pl.lit('')))
        .groupBy('word')
        .agg(pl.len().alias('count')),
  },
  scan: {
    kind: 'scan',
    title: 'scan: decode all 9 columns, sum v1 and v3',
    sql: SCAN_SQL,
    keys: 0,
    values: 3,
    quiver: ['run', 'bench/jobs/scan.ts'],
    polars: (pl, lf) =>
      lf.select(
        pl.len().alias('rows'),
        pl.col('v1').sum(),
        pl.col('v3').sum(),
        pl.col('id1').max(),
        pl.col('id2').max(),
        pl.col('id3').max(),
        pl.col('id4').sum(),
        pl.col('id5').sum(),
        pl.col('id6').sum(),
        pl.col('v2').sum(),
      ),
  },
  'convert-csv': { kind: 'convert', title: 'convert → CSV', to: 'csv', sql: 'SELECT * FROM x', quiver: ['convert'] },
  'convert-arrow': { kind: 'convert', title: 'convert → Arrow IPC', to: 'arrow', sql: 'SELECT * FROM x', quiver: ['convert'] },
};

/** DuckDB's table function for a file of a format kind (DuckDB has no Arrow IPC reader: see peers.mjs). */
export function duckdbSource(kind, file) {
  if (kind === 'csv') return `read_csv('${file}')`;
  if (kind === 'parquet') return `read_parquet('${file}')`;
  if (kind === 'ndjson') return `read_ndjson('${file}')`;
  if (kind === 'text') {
    // One VARCHAR per line: a delimiter (\x01) and no quote or escape, so no character of the text is special.
    return `read_csv('${file}', header = false, auto_detect = false, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '')`;
  }
  return undefined;
}

/** Polars' lazy scan of a file of a format kind. */
export function polarsScan(pl, kind, file) {
  if (kind === 'csv') return pl.scanCSV(file);
  if (kind === 'parquet') return pl.scanParquet(file);
  if (kind === 'arrow') return pl.scanIPC(file);
  if (kind === 'ndjson') return pl.scanJson(file);
  if (kind === 'text') {
    // As DuckDB's: one string a line, with a separator and a quote character the text does not hold.
    return pl.scanCSV(file, { hasHeader: false, sep: '\x01', quoteChar: '\x02' }).select(pl.col('column_1').alias('line'));
  }
  throw new Error(`polarsScan: no scan for ${kind}`);
}
