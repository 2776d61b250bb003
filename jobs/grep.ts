import { defineJob, joinKey } from 'quiver-engine';

/**
 * Finds the lines that match a regular expression: `--param pattern=<regex>` (JavaScript syntax),
 * `--param ignoreCase=true` to ignore case.
 *
 * Output: one row per input file with the number of matching lines (`file`, `matches`); a file
 * with no match shows 0. With `--param lines=true` the output is the matching lines themselves,
 * one row per distinct line per file with how often it occurs (`file`, `line`, `matches`), sorted
 * by file then line. Line numbers are not reported: a task reads a byte range of the file and does
 * not know how many lines came before it, so counting them would need a second pass.
 *
 * Text input has one column, `line`; `--param column=<name>` searches a string column of an Arrow file.
 *
 *   quiver run grep -i logs/ -p pattern='err(or)?' -p ignoreCase=true
 */
export default defineJob({
  name: 'grep',
  description: 'count the lines matching a regular expression in each file (or list them with lines=true)',
  params: {
    pattern: { type: 'string', description: 'regular expression (JavaScript syntax), e.g. "err(or)?"' },
    ignoreCase: { type: 'boolean', default: false, description: 'match regardless of case' },
    lines: { type: 'boolean', default: false, description: 'output the matching lines, not just their count per file' },
    column: { type: 'string', default: 'line', description: 'the string column to search' },
  },
  columns: (params) => [params.column as string],
  output: (params) => (params.lines ? { key: ['file', 'line'], value: 'matches' } : { key: 'file', value: 'matches' }),
  map(batch, emit, ctx) {
    const re = regexOf(ctx.params.pattern as string, ctx.params.ignoreCase as boolean);
    const file = ctx.split.file;
    let matches = 0;
    for (const line of ctx.strings(batch, ctx.params.column as string)) {
      if (!re.test(line)) continue;
      matches++;
      if (ctx.params.lines) emit(joinKey(file, line), 1);
    }
    // Emitting 0 too gives every file that has lines a row, so "no match" is visible in the output.
    if (!ctx.params.lines) emit(file, matches);
  },
  combine: (a: number, b: number) => a + b,
});

// One compiled pattern per worker, rebuilt only when the params change between runs.
let cached: { source: string; flags: string; re: RegExp } | undefined;

function regexOf(source: string, ignoreCase: boolean): RegExp {
  const flags = ignoreCase ? 'i' : '';
  if (cached?.source === source && cached.flags === flags) return cached.re;
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    throw new Error(`--param pattern is not a valid regular expression: ${(e as Error).message}`);
  }
  cached = { source, flags, re };
  return re;
}
