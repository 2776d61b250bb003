import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { makeRandom } from './random.js';

/** Words in the vocabulary of generated text. */
export const VOCABULARY_SIZE = 20_000;

/** A deterministic vocabulary of lowercase pseudo-words, the most frequent first. */
export function makeVocabulary(seed: number, size = VOCABULARY_SIZE): string[] {
  const random = makeRandom(seed ^ 0x5eed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = new Set<string>();
  while (words.size < size) {
    const len = 1 + Math.floor(random() * random() * 12) + 1;
    let w = '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(random() * 26)];
    words.add(w);
  }
  return [...words];
}

/**
 * Lines of Zipf-distributed words (word k has weight 1/k), 4–16 words per line, about `bytes` in
 * all. Yields chunks of text; the same seed gives the same text.
 */
export function* textChunks(bytes: number, seed = 1, chunkBytes = 1 << 20): Generator<string> {
  const words = makeVocabulary(seed);
  const cdf = new Float64Array(words.length);
  let total = 0;
  for (let k = 0; k < words.length; k++) cdf[k] = total += 1 / (k + 1);
  const random = makeRandom(seed);
  const pick = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  let written = 0;
  while (written < bytes) {
    const lines: string[] = [];
    let size = 0;
    while (size < chunkBytes && written + size < bytes) {
      const n = 4 + Math.floor(random() * 13);
      const line: string[] = [];
      for (let i = 0; i < n; i++) line.push(pick());
      const text = line.join(' ');
      lines.push(text);
      size += text.length + 1;
    }
    written += size;
    yield lines.join('\n') + '\n';
  }
}

/** Writes about `bytes` of generated text to a file. */
export async function writeTextFile(file: string, bytes: number, seed = 1): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of textChunks(bytes, seed)) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
