import { PROGRESS_COUNT, READING_FLAG } from '../worker/protocol.js';

/** How long a task may wait on its reader without a batch before it is cancelled. @default 120 s */
export const DEFAULT_STALL_MS = 120_000;

/**
 * Watches one worker's progress while it has tasks: when the task is waiting on its input reader
 * (the worker sets `READING_FLAG`) and no batch has arrived (`PROGRESS_COUNT` unchanged) for
 * `stallMs`, it calls `onStall` once. The worker's thread cannot be asked to stop — a reader stuck in
 * WebAssembly or on an open() that never returns checks no flag — so the caller terminates it.
 *
 * "No progress" is judged on reading alone: a job's own code may take long over one batch (a big
 * k-means step), and the existing cancel and `--timeout` cover that. The bound is generous by default
 * (a Parquet row group of a GB decodes in seconds), since a false alarm fails a healthy run.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private lastCount = 0;
  private lastChange = 0;

  constructor(
    private readonly control: Int32Array,
    readonly stallMs: number,
    private readonly onStall: () => void,
  ) {}

  /** Starts watching (a task was sent); a no-op when already watching. */
  arm(): void {
    if (this.timer || !(this.stallMs > 0 && Number.isFinite(this.stallMs))) return;
    this.lastCount = Atomics.load(this.control, PROGRESS_COUNT);
    this.lastChange = performance.now();
    this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1000, this.stallMs / 4)));
    this.timer.unref();
  }

  /** Stops watching (no task left, or the thread stopped). */
  disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const count = Atomics.load(this.control, PROGRESS_COUNT);
    const now = performance.now();
    if (count !== this.lastCount || Atomics.load(this.control, READING_FLAG) === 0) {
      this.lastCount = count;
      this.lastChange = now;
      return;
    }
    if (now - this.lastChange < this.stallMs) return;
    this.disarm();
    this.onStall();
  }
}
