// Makes sure the programs the test suite drives are on this machine, before `npm test` runs it:
// Chromium (the HTML speedup report is checked in a real browser, through playwright-core) and
// redis-server (the cluster tests start their own on a unix socket). Where one is missing and this
// runs as root on Debian or Ubuntu, it installs the distribution's package; otherwise it stops with
// a message that names the packages to install. A test is never skipped for a missing program.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each program the tests need, the names it goes by on PATH, and the Debian package that brings it. */
export const NEEDED = [
  { what: 'Chromium', names: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'], pkg: 'chromium' },
  { what: 'Redis', names: ['redis-server'], pkg: 'redis-server' },
];

/** The first of `names` found on PATH (or in /usr/sbin, where some distributions put servers), else undefined. */
export function findProgram(names) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);
  for (const name of names) for (const dir of dirs) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

/** Installs what is missing, or exits 1 naming it. */
function ensurePrograms() {
  const missing = NEEDED.filter((n) => !findProgram(n.names));
  if (missing.length === 0) return;
  const pkgs = missing.map((m) => m.pkg);
  const canApt = process.platform === 'linux' && process.getuid?.() === 0 && findProgram(['apt-get']);
  if (canApt) {
    console.error(`test set-up: installing ${pkgs.join(', ')} with apt-get (missing: ${missing.map((m) => m.what).join(', ')})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // apt's progress goes to the terminal only when it fails: a test run's output stays the tests'.
    const quiet = { encoding: 'utf8', env, maxBuffer: 64 << 20 };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', '--no-install-recommends', ...pkgs],
    ]) {
      const r = spawnSync('apt-get', args, quiet);
      if (r.status !== 0) {
        process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
        fail(pkgs, `\`apt-get ${args[0]}\` failed (exit ${r.status ?? r.signal})`);
      }
    }
  } else {
    fail(pkgs, process.getuid?.() === 0 ? 'this is not a Debian/Ubuntu machine with apt-get' : 'installing them needs root');
  }
  const still = NEEDED.filter((n) => !findProgram(n.names));
  if (still.length > 0)
    fail(
      still.map((s) => s.pkg),
      'they are still not on PATH after the install',
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) ensurePrograms();

function fail(pkgs, why) {
  console.error(
    `test set-up: the test suite needs ${pkgs.join(' and ')}, and ${why}.\n` +
      `  Debian/Ubuntu: sudo apt-get install ${pkgs.join(' ')}\n` +
      `  macOS (Homebrew): brew install ${pkgs.map((p) => (p === 'redis-server' ? 'redis' : p === 'chromium' ? '--cask chromium' : p)).join(' ')}\n` +
      'then run the tests again.',
  );
  process.exit(1);
}
