// The cluster API, `import { runOnCluster } from 'quiver-engine/cluster'`: a subpath of its own, so that
// `quiver` does not load BullMQ, ioredis and the S3 client for the many programs that never use them.
export { runOnCluster, formatClusterReport } from './runner.js';
export type { ClusterRunOptions, ClusterRunResult, ClusterSummary, ClusterRunReport } from './runner.js';
export { ClusterRunner } from './cluster-runner.js';
export type { ClusterRunnerOptions } from './cluster-runner.js';
export { ClusterWorker } from './worker.js';
export type { ClusterWorkerOptions } from './worker.js';
export { clusterStatus } from './status.js';
export type { ClusterStatus, WorkerInfo, RunInfo } from './status.js';
export { openStore } from './open-store.js';
export { StoreMissingError } from './store.js';
export type { Store } from './store.js';
