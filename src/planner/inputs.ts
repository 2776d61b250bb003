import { stat, readdir, open } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { PlanError } from '../errors.js';

/** Input formats the planner knows. */
export type InputFormat = 'arrow' | 'text';

/** One input file found by expanding the user's `--input` arguments. */
export interface InputFile {
  path: string;
  bytes: number;
  format: InputFormat;
}

const ARROW_EXT = new Set(['.arrow', '.feather', '.ipc']);
const HIDDEN = /(^|\/)[._][^/]*$/;

/**
 * Expands files, directories (recursively, skipping hidden files) and globs into a sorted list of
 * files with their formats. A missing input or a pattern that matches nothing is an error.
 */
export async function expandInputs(inputs: string[], format?: InputFormat): Promise<InputFile[]> {
  if (inputs.length === 0) throw new PlanError('no input given: pass --input <file, directory or glob>');
  const files: string[] = [];
  for (const input of inputs) {
    if (isDynamicPattern(input)) {
      // Paths come back as the user wrote the pattern: absolute for an absolute pattern, else relative to the cwd.
      const matches = await glob(input, { absolute: path.isAbsolute(input), onlyFiles: true, expandDirectories: false });
      if (matches.length === 0) throw new PlanError(`--input "${input}" matches no file; check the pattern (quote it so the shell does not expand it)`);
      files.push(...matches.sort());
      continue;
    }
    const st = await stat(input).catch((e: NodeJS.ErrnoException) => {
      throw new PlanError(
        e.code === 'ENOENT' ? `input ${input} does not exist; check the path` : `cannot read input ${input}: ${e.message}`,
        { cause: e },
      );
    });
    if (st.isDirectory()) {
      const found = (await readdir(input, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile())
        .map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
        .filter((f) => !HIDDEN.test(path.relative(input, f)))
        .sort();
      if (found.length === 0) throw new PlanError(`input directory ${input} holds no files`);
      files.push(...found);
    } else {
      files.push(input);
    }
  }
  const unique = [...new Set(files)];
  return Promise.all(unique.map(async (f) => ({ path: f, bytes: (await stat(f)).size, format: format ?? (await detectFormat(f)) })));
}

/** Tells the format from the extension, else from the first bytes (Arrow magic), else text. */
async function detectFormat(file: string): Promise<InputFormat> {
  if (ARROW_EXT.has(path.extname(file).toLowerCase())) return 'arrow';
  const fh = await open(file, 'r').catch((e: Error) => {
    throw new PlanError(`cannot open input ${file}: ${e.message}`, { cause: e });
  });
  try {
    const buf = Buffer.alloc(6);
    await fh.read(buf, 0, 6, 0);
    return buf.toString('latin1') === 'ARROW1' ? 'arrow' : 'text';
  } finally {
    await fh.close();
  }
}
