export { defineJob } from './job/define-job.js';
export { joinKey, splitKey } from './job/key.js';
export type {
  Job,
  DataJob,
  KeyedJob,
  FoldJob,
  RecursiveJob,
  DriverJob,
  JobContext,
  FoldContext,
  ForkContext,
  DriverContext,
  SubRunOptions,
  SubRunResult,
  SharedArrayKind,
  Key,
  ParamSpec,
  ParamsSpec,
  ParamValue,
  JsonValue,
  SplitInfo,
  ColumnValues,
  NumberArray,
  DecimalColumn,
  ColumnOf,
  SortOrder,
  KeyedOutput,
} from './job/types.js';
export { Engine, run } from './coordinator/engine.js';
export type { EngineOptions, RunOptions, RunResult } from './coordinator/run-options.js';
export type { RunProgress } from './coordinator/progress.js';
export { runSequential } from './coordinator/sequential.js';
export type { SequentialResult } from './coordinator/sequential.js';
export type { RunReport, PhaseTimes, TaskRecord, SequentialReport, StepReport } from './coordinator/report-types.js';
export { formatReport } from './coordinator/report.js';
export { makePlan } from './planner/plan.js';
export type { Plan, PlanOptions, PlannedFile } from './planner/plan.js';
export type { Split } from './planner/split.js';
export { parseSize } from './util/size.js';
export { closestName, didYouMean } from './util/did-you-mean.js';
export {
  QuiverError,
  UsageError,
  PlanError,
  JobError,
  TaskError,
  InputError,
  WorkerError,
  CancelledError,
  InternalError,
  ResultMismatchError,
} from './errors.js';
export type { Phase } from './errors.js';
export { NODE_FLAGS, NODE_ENV, hasNodeFlags } from './node-flags.js';
