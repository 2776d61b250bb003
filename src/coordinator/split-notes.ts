import type { Plan } from '../planner/plan.js';
import type { Split } from '../planner/split.js';
import type { TaskMetrics } from '../worker/protocol.js';

/** What an out-of-memory error tells the user to change when the task's file cannot be split. */
const DEFAULT_MEMORY_FIX = 'lower --split-size or raise --worker-memory';

/**
 * What to change when a task of `split` runs out of memory: a smaller --split-size, unless its file
 * (a gzip file, a text file that is one line) is read by one task whatever the split size, where
 * saying so would send the user the wrong way.
 */
export function memoryFixOf(plan: Plan, split: Split): string {
  const file = plan.files.find((f) => f.path === split.file);
  if (!file?.unsplittable) return DEFAULT_MEMORY_FIX;
  return `raise --worker-memory (--split-size cannot help: ${file.path}: ${file.note})`;
}

/**
 * The report's notes on splitting: each input that could not be split and why (from the plan), and
 * text files with splits that held no line of their own, which a line longer than a split spans
 * (a long line past the first, which the planner does not look for). `bySplit` holds the metrics of
 * the map or fold task of each split, by index in `plan.splits`.
 */
export function splitNotes(plan: Plan, bySplit: ReadonlyMap<number, TaskMetrics>): string[] {
  const notes = plan.files.filter((f) => f.unsplittable).map((f) => `${f.path} could not be split: ${f.note}`);
  const empty = new Map<string, number>();
  const seen = new Map<string, number>();
  plan.splits.forEach((s, i) => {
    if (s.kind !== 'text' || plan.files.find((f) => f.path === s.file)?.unsplittable) return;
    seen.set(s.file, (seen.get(s.file) ?? 0) + 1);
    if (s.bytes > 0 && bySplit.get(i)?.rowsIn === 0) empty.set(s.file, (empty.get(s.file) ?? 0) + 1);
  });
  for (const [file, n] of empty)
    notes.push(
      `${file}: ${n} of ${seen.get(file)} splits held no line start, so a line longer than a split spans them and one task read it ` +
        '(--split-size cannot cut a line; break it into lines to read it in parallel)',
    );
  return notes;
}
