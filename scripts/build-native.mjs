// Builds native/mmap.c and shared-buffer.cc (memory-mapped reads of Arrow IPC, CSV and NDJSON files; see mmap.c) with
// node-gyp, the tool npm itself uses for native addons. It runs after tsc in `npm run build`, so on
// `npm install` too. A machine without a C compiler still gets a working quiver: the build failure is
// reported as a warning and quiver reads files with copies instead (src/io/mmap.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'native');
const addon = path.join(dir, 'build', 'Release', 'mmap.node');
const sources = ['mmap.c', 'shared-buffer.cc', 'binding.gyp'].map((f) => path.join(dir, f));

if (process.platform === 'win32') {
  console.warn('quiver: no memory-mapped reads on Windows; files are read with copies');
  process.exit(0);
}
if (existsSync(addon) && sources.every((s) => statSync(s).mtimeMs <= statSync(addon).mtimeMs)) process.exit(0);

/** node-gyp: the one npm runs lifecycle scripts with, else the copy bundled with npm, else an installed one. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package
  }
  return candidates.find((c) => c && existsSync(c));
}

const gyp = nodeGyp();
if (!gyp) {
  console.warn('quiver: node-gyp not found, so the memory-mapped reader is not built; files are read with copies');
  process.exit(0);
}
// The headers of the running Node, when it was installed with them (Debian's nodejs, the official
// tarballs), so that node-gyp needs no download.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = [gyp, 'rebuild', '--directory', dir];
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
if (r.status !== 0 || !existsSync(addon)) {
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
  console.warn(`quiver: could not build the memory-mapped reader (native/mmap.c); files are read with copies.\n${tail}`);
  process.exit(0);
}
