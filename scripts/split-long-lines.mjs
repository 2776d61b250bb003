// Splits lines of .ts files longer than 140 bytes mechanically, for scripts/check-line-length.mjs:
// comments are re-wrapped (a one-line JSDoc becomes a block), and a string or template literal that
// crosses the limit is cut at a space outside `${…}` into `'a ' + 'b'`. The minified code is the same
// before and after. Lines it cannot split (a template of expressions only) are listed, to split by hand.
// Run `npx biome format --write src jobs` after it, then it again, until the listing is stable.
//
//   node scripts/split-long-lines.mjs $(git ls-files 'src/*.ts' 'jobs/*.ts')
import { readFileSync, writeFileSync } from 'node:fs';

const LIMIT = 140;
const WRAP = 110; // target width of re-wrapped comment lines
const bytes = (s) => Buffer.byteLength(s);
const left = [];

function wrapWords(text, width) {
  const words = text.split(' ');
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && bytes(cur) + 1 + bytes(w) > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Literal spans on a line: [start, end) of '…', "…" and `…` at top level, with top-level space offsets inside. */
function literals(line) {
  const out = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '/' && line[i + 1] === '/') break;
    if (c === "'" || c === '"') {
      const start = i;
      const spaces = [];
      i++;
      while (i < line.length && line[i] !== c) {
        if (line[i] === '\\') i++;
        else if (line[i] === ' ') spaces.push(i);
        i++;
      }
      out.push({ kind: c, start, end: i + 1, spaces });
      i++;
    } else if (c === '`') {
      const start = i;
      const spaces = [];
      i = scanTemplate(line, i, spaces, true);
      out.push({ kind: '`', start, end: i, spaces });
    } else i++;
  }
  return out;
}

/** Scans a template literal from its opening backtick; returns the index after its closing one. */
function scanTemplate(line, i, spaces, top) {
  i++;
  while (i < line.length && line[i] !== '`') {
    if (line[i] === '\\') i += 2;
    else if (line[i] === '$' && line[i + 1] === '{') i = scanExpr(line, i + 2);
    else {
      if (top && line[i] === ' ') spaces.push(i);
      i++;
    }
  }
  return i + 1;
}

function scanExpr(line, i) {
  let depth = 1;
  while (i < line.length && depth > 0) {
    const c = line[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === '`') {
      i = scanTemplate(line, i, [], false);
      continue;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < line.length && line[i] !== c) i += line[i] === '\\' ? 2 : 1;
    }
    i++;
  }
  return i;
}

function splitLine(line) {
  const indent = line.match(/^\s*/)[0];
  const body = line.slice(indent.length);
  // A one-line JSDoc: make it a block.
  let m = /^\/\*\*\s(.*)\s\*\/$/.exec(body);
  if (m) return ['/**', ...wrapWords(m[1], WRAP).map((l) => ` * ${l}`), ' */'].map((l) => indent + l);
  m = /^(\/\/+ ?|\* ?)(.*)$/.exec(body);
  if (m) return wrapWords(m[2], WRAP).map((l) => indent + m[1] + l);
  // The literal that crosses the limit, cut at its last top-level space that keeps the first part short.
  const lits = literals(line);
  for (const lit of lits) {
    if (bytes(line.slice(0, lit.end)) < LIMIT - 10 && lit !== lits.at(-1)) continue;
    const fits = lit.spaces.filter((s) => bytes(line.slice(0, s + 1)) + 4 <= LIMIT && s > lit.start + 10);
    if (fits.length === 0) break;
    const at = fits.at(-1) + 1; // after the space
    const q = lit.kind;
    return [`${line.slice(0, at)}${q} +`, `${indent}  ${q}${line.slice(at)}`];
  }
  return undefined;
}

for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out = [];
  let changed = false;
  for (const line of lines) {
    let todo = [line];
    for (let round = 0; round < 6; round++) {
      const next = [];
      let any = false;
      for (const l of todo) {
        if (bytes(l) <= LIMIT) {
          next.push(l);
          continue;
        }
        const parts = splitLine(l);
        if (parts) {
          next.push(...parts);
          any = true;
        } else next.push(l);
      }
      todo = next;
      if (!any) break;
    }
    if (todo.length > 1) changed = true;
    out.push(...todo);
    for (const l of todo) if (bytes(l) > LIMIT) left.push(`${file}: ${l.trim().slice(0, 120)}`);
  }
  if (changed) writeFileSync(file, out.join('\n'));
}
if (left.length) console.log(`left (${left.length}):\n${left.join('\n')}`);
