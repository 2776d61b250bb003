import type { Schema } from 'apache-arrow';
import { makePlan, parseSize, UsageError, type DriverContext, type ParamsSpec, type Plan } from 'quiver-engine';
import { joinedTable } from './assemble.js';
import { checkKeyColumns, emptyTable } from './check.js';

/** The params of the join job. */
export const JOIN_PARAMS: ParamsSpec = {
  right: { type: 'string', description: 'the right input: a file, directory or glob (any format quiver reads)' },
  on: { type: 'list', description: 'key columns of the left input (-i), e.g. customer_id, or a,b for a composite key' },
  rightOn: { type: 'list', default: [], description: 'key columns of the right input, in the same order; default: on' },
  how: { type: 'string', default: 'inner', description: 'inner, or left to keep left rows no right row matches' },
  columns: { type: 'list', default: [], description: 'output columns to keep, in this order; empty for all' },
  broadcast: { type: 'string', default: '64MB', description: 'broadcast the right side when its files are at most this size' },
  strategy: { type: 'string', default: 'auto', description: 'auto (by --param broadcast), broadcast or shuffle' },
};

/** The join's params, checked, with the right input planned and the strategy chosen. */
export interface JoinParams {
  right: string;
  on: string[];
  rightOn: string[];
  how: 'inner' | 'left';
  columns: string[];
  strategy: 'broadcast' | 'shuffle';
  rightPlan: Plan;
  /** Per key column, the unit (ns) time keys are counted in, 0 for none (see join/check.ts). */
  units: number[];
  /** The schemas of the first file of each side: the columns of a side that has no batches. */
  leftSchema: Schema;
  rightSchema: Schema;
}

/**
 * Checks the params, and the inputs' schemas against them (before any row is read), and chooses the
 * strategy: broadcast when the right input's files are small enough.
 */
export async function joinParams(q: DriverContext): Promise<JoinParams> {
  const p = q.params;
  const on = p.on as string[];
  const rightOn = (p.rightOn as string[]).length ? (p.rightOn as string[]) : on;
  if (on.length === 0) throw new UsageError('--param on needs at least one key column, e.g. on=customer_id');
  if (rightOn.length !== on.length)
    throw new UsageError(
      `--param on names ${on.length} key column(s) but rightOn names ${rightOn.length}; pair them up, e.g. on=a,b rightOn=x,y`,
    );
  if (p.how !== 'inner' && p.how !== 'left') throw new UsageError(`--param how must be inner or left, got "${String(p.how)}"`);
  if (!['auto', 'broadcast', 'shuffle'].includes(p.strategy as string))
    throw new UsageError(`--param strategy must be auto, broadcast or shuffle, got "${String(p.strategy)}"`);
  const limit = parseSize(p.broadcast as string, '--param broadcast');
  const right = p.right as string;
  const rightPlan = await makePlan({ inputs: [right], workers: q.workers });
  const [lefts, rights] = [await q.schemas(), await q.schemas(right)];
  const units = checkKeyColumns(lefts, rights, on, rightOn);
  const [leftSchema, rightSchema] = [lefts[0]!.schema, rights[0]!.schema];
  // The output of no rows: checks `columns` names output columns, now rather than in every task.
  joinedTable(emptyTable(leftSchema), emptyTable(rightSchema), new Int32Array(0), rightOn, p.columns as string[]);
  // A broadcast keeps the right side in memory all workers share, which a cluster's machines do not.
  const strategy =
    p.strategy === 'auto'
      ? q.sharedMemory && rightPlan.totalBytes <= limit
        ? 'broadcast'
        : 'shuffle'
      : (p.strategy as 'broadcast' | 'shuffle');
  return { right, on, rightOn, how: p.how, columns: p.columns as string[], strategy, rightPlan, units, leftSchema, rightSchema };
}
