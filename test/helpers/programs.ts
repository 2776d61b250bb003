// Programs the tests drive (Chromium, redis-server), found where this machine has them. `npm test`
// runs scripts/test-deps.mjs first, which installs what is missing or stops naming it.
// @ts-expect-error: a plain .mjs script with no type declarations
import { findProgram, NEEDED } from '../../scripts/test-deps.mjs';

/** The path of a program the tests need (by its name in scripts/test-deps.mjs), or an error naming its package. */
export function programPath(what: 'Chromium' | 'Redis'): string {
  const need = (NEEDED as Array<{ what: string; names: string[]; pkg: string }>).find((n) => n.what === what)!;
  const found = findProgram(need.names) as string | undefined;
  if (!found) throw new Error(`${what} is not installed: run \`node scripts/test-deps.mjs\` (or install the ${need.pkg} package)`);
  return found;
}
