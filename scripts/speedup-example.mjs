// Regenerates the "Measuring speedup" example of docs/speedup.md with the tool itself:
//   node scripts/speedup-example.mjs [--mb 200] [--repeat 5]
// generates a text corpus in .tmp/ (once per size), runs `quiver speedup wordcount` on it, writes the
// chart to docs/speedup-wordcount.svg (and an HTML report to .tmp/), and puts the command and the
// terminal table between the page's speedup-example markers. Run it on a quiet machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asCommand } from '../dist/src/node-flags.js';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { mb: { type: 'string', default: '200' }, repeat: { type: 'string', default: '5' } } });
const cli = path.join(root, 'dist/bundle/cli.mjs');
mkdirSync(path.join(root, '.tmp'), { recursive: true });
const corpus = `.tmp/corpus-${values.mb}mb.txt`;
const quiver = (args, stdio) => {
  const command = asCommand(cli, args);
  return execFileSync(process.execPath, command.args, { env: command.env, cwd: root, stdio, encoding: 'utf8' });
};

if (!existsSync(path.join(root, corpus))) quiver(['datasets', 'generate', 'text', '--mb', values.mb, '--output', corpus], 'inherit');
const args = [
  'speedup',
  'wordcount',
  '--input',
  corpus,
  '--repeat',
  values.repeat,
  '--svg',
  'docs/speedup-wordcount.svg',
  '--html',
  '.tmp/speedup-wordcount.html',
  '--json',
  '.tmp/speedup-wordcount.json',
];
const table = quiver(args, ['ignore', 'pipe', 'inherit']);

const readme = path.join(root, 'docs', 'speedup.md');
const text = readFileSync(readme, 'utf8');
const start = '<!-- speedup-example:start -->';
const end = '<!-- speedup-example:end -->';
const i = text.indexOf(start);
const j = text.indexOf(end);
if (i < 0 || j < i) throw new Error(`docs/speedup.md has no ${start} … ${end} block`);
const block = `${start}\n\`\`\`\n$ quiver ${args.join(' ')}\n${table.trimEnd()}\n\`\`\`\n\n![Speedup, efficiency and phase times of word count, made by quiver speedup](speedup-wordcount.svg)\n${end}`;
writeFileSync(readme, text.slice(0, i) + block + text.slice(j + end.length));
console.error(`updated docs/speedup.md and docs/speedup-wordcount.svg from ${corpus}`);
