import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeTextFile } from './text.js';

/** Files in a generated text folder. */
export const TEXT_FOLDER_FILES = 8;

/**
 * Writes about `bytes` of generated text (see `textChunks`) into `files` files `part-00.txt`, … in
 * `dir` (created if missing). File i gets a share of the bytes proportional to i + 1, so sizes differ
 * as in a real corpus, and its own seed, so files differ in content.
 */
export async function writeTextFolder(dir: string, bytes: number, seed = 1, files = TEXT_FOLDER_FILES): Promise<void> {
  await mkdir(dir, { recursive: true });
  const shares = (files * (files + 1)) / 2;
  for (let i = 0; i < files; i++) {
    const name = `part-${String(i).padStart(2, '0')}.txt`;
    await writeTextFile(path.join(dir, name), Math.round((bytes * (i + 1)) / shares), seed * 1000 + i);
  }
}
