import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SerializedError } from '../worker/protocol.js';

/** A bundle's source map, read once; null when it has none. */
const maps = new Map<string, SourceMap | null>();

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/;
/** `file:///…/name-0123456789abcdef.mjs:12:5`: a position in a job bundle. */
const BUNDLE_POSITION = /((?:file:\/\/)?\/[^\s()]*-[0-9a-f]{16}\.mjs):(\d+):(\d+)/g;

function mapOf(bundle: string): SourceMap | null {
  let map = maps.get(bundle);
  if (map !== undefined) return map;
  map = null;
  try {
    // A local bundle's map is a file beside it; a cluster bundle's is inline (see bundleJob).
    const m = INLINE_MAP.exec(readFileSync(bundle, 'utf8'));
    const json = m
      ? Buffer.from(m[1]!, 'base64').toString('utf8')
      : existsSync(`${bundle}.map`)
        ? readFileSync(`${bundle}.map`, 'utf8')
        : undefined;
    if (json) map = new SourceMap(JSON.parse(json));
  } catch {
    // an unreadable bundle leaves the frame as it is
  }
  maps.set(bundle, map);
  return map;
}

/**
 * Rewrites the frames of a stack that point into a job bundle so they point at the user's source
 * (`/home/me/jobs/x.ts:12:5`), through the bundle's source map. quiver maps the frames itself
 * rather than switching Node's source maps on, in workers (where the switch costs every run the parse
 * of the whole map) and in the coordinator (where `merge` and `finish` run, maybe in a host process
 * that wants them off).
 */
export function stackToSources(stack: string): string {
  return stack.replace(BUNDLE_POSITION, (all, file: string, line: string, column: string) => {
    const bundle = file.startsWith('file://') ? fileURLToPath(file) : file;
    const entry = mapOf(bundle)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return all;
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : path.resolve(path.dirname(bundle), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/**
 * The error with every stack in it (its own and its causes') pointing at the user's sources rather than
 * the job bundle. Workers leave Node's source maps off: switched on, Node parses the source map of every
 * module a worker imports, ~25 ms of CPU per worker for a built-in job's 300 KB bundle, on every run,
 * to serve only the rare run that fails; mapped where the error arrives (the coordinator, or a cluster
 * worker process, which has the bundle file), only a failure pays, and only for its own frames.
 */
export function withSourceStacks(e: SerializedError): SerializedError {
  return {
    ...e,
    stack: e.stack === undefined ? undefined : stackToSources(e.stack),
    cause: e.cause === undefined ? undefined : withSourceStacks(e.cause),
  };
}
