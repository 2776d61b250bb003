import type { Field, Schema, Table } from 'apache-arrow';
import { UsageError } from '../errors.js';
import { schemaFromMessage } from '../io/arrow-columns.js';
import { schemaOfColumns } from '../io/column-types.js';
import { TEXT_SCHEMA } from '../io/read-text.js';
import { didYouMean } from '../util/did-you-mean.js';
import { readParquetLayout } from './parquet.js';
import type { Plan } from './plan.js';
import type { Split } from './split.js';

/** One input file and the schema its batches decode to, as the plan will read it. */
export interface InputSchema {
  file: string;
  schema: Schema;
}

/**
 * The schema each file of a plan gives a job, from what planning already read (Arrow schema messages,
 * CSV/NDJSON sampled columns, the cached Parquet footer): no data is read. In-memory input has the
 * table's schema.
 */
export async function inputSchemas(plan: Plan, table?: Table): Promise<InputSchema[]> {
  const first = new Map<string, Split>();
  for (const s of plan.splits) if (!first.has(s.file)) first.set(s.file, s);
  const out: InputSchema[] = [];
  for (const [file, split] of first) {
    const schema = await schemaOfSplit(split, table, plan.files.find((f) => f.path === file)?.bytes ?? split.bytes);
    if (schema) out.push({ file, schema });
  }
  return out;
}

async function schemaOfSplit(s: Split, table: Table | undefined, fileBytes: number): Promise<Schema | undefined> {
  switch (s.kind) {
    case 'arrow-file':
      return s.header ? schemaFromMessage(s.header.schemaMessage) : undefined;
    case 'csv':
    case 'ndjson':
      return schemaOfColumns(s.columns);
    case 'compressed':
      return s.inner.kind === 'text' ? TEXT_SCHEMA : schemaOfColumns(s.inner.columns);
    case 'parquet':
      return (await readParquetLayout(s.file, fileBytes)).schema;
    case 'text':
      return TEXT_SCHEMA;
    case 'table':
      return table?.schema;
  }
}

/**
 * Checks, before any task runs, that every column a run reads is in every input file: a name that is
 * not is a usage error naming the file, the columns it has and the closest one to what was typed.
 * `origin` says where the names came from (`--columns`, or the job's `columns`).
 */
export function checkColumns(columns: string[] | undefined, schemas: InputSchema[], origin: string): void {
  if (!columns?.length) return;
  for (const { file, schema } of schemas) {
    const have = schema.fields.map((f: Field) => f.name);
    const missing = columns.filter((c) => !have.includes(c));
    if (missing.length === 0) continue;
    const first = missing[0]!;
    const others =
      missing.length > 1
        ? ` (nor ${missing
            .slice(1)
            .map((m) => `"${m}"`)
            .join(', ')})`
        : '';
    const where = file === '<table>' ? 'the input table' : file;
    throw new UsageError(
      `no column "${first}"${others} in ${where}${didYouMean(first, have)} (${origin} asks for it; the input has ${have.join(', ')})`,
    );
  }
}

/** One line per column, `name: type`, for `quiver explain`. */
export function describeSchema(schema: Schema): string[] {
  return schema.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? '' : ' not null'}`);
}
