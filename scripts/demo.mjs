// `npm run demo`: generates a small text corpus and a group-by table in demo-data/, then runs word
// count and a group-by on every core, printing the results and the run reports.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asCommand } from '../dist/src/node-flags.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist/bundle/cli.mjs');
const data = path.join(root, 'demo-data');
mkdirSync(data, { recursive: true });

const quiver = (...args) => {
  console.log(`\n$ quiver ${args.join(' ')}`);
  const command = asCommand(cli, args);
  execFileSync(process.execPath, command.args, { env: command.env, stdio: 'inherit', cwd: root });
};

const text = path.join(data, 'corpus.txt');
const table = path.join(data, 'groupby.arrow');
if (!existsSync(text)) quiver('datasets', 'generate', 'text', '--mb', '20', '--output', path.relative(root, text));
if (!existsSync(table)) quiver('datasets', 'generate', 'groupby', '--rows', '1000000', '--output', path.relative(root, table));
quiver('run', 'wordcount', '--input', path.relative(root, text), '--limit', '10');
quiver(
  'run',
  'groupby',
  '--input',
  path.relative(root, table),
  '--param',
  'by=id1',
  '--param',
  'agg=sum:v1,mean:v3,count',
  '--limit',
  '10',
);
