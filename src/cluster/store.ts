import { UsageError } from '../errors.js';

/**
 * Where a cluster keeps what is too big for Redis: job bundles, stage plans and task outputs. Every
 * machine of the cluster reaches the same store by the same URL (`--store`), so a task's output is a
 * key any reducer can read. Keys are `/`-separated paths relative to the store's root.
 */
export interface Store {
  /** The URL the store was opened from, for messages. */
  readonly url: string;
  /** Writes an object whole (readers never see part of it), replacing any object of that key. */
  put(key: string, parts: Uint8Array | Uint8Array[]): Promise<void>;
  /** Reads an object; rejects with a StoreMissingError if there is none. */
  get(key: string): Promise<Uint8Array>;
  /** Reads bytes [start, end) of an object. */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** True if the object exists. */
  has(key: string): Promise<boolean>;
  /** Keys under a prefix (a folder: `runs/ab12/`), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Deletes one object; no error if it is missing. */
  delete(key: string): Promise<void>;
  /** Deletes every object under a prefix. */
  deletePrefix(prefix: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** A key that has no object. */
export class StoreMissingError extends Error {
  constructor(
    readonly store: string,
    readonly key: string,
  ) {
    super(`${store}: no object ${key}`);
  }
}

/** Concatenated length of parts. */
export function byteLengthOf(parts: Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.byteLength, 0);
}

/** Checks that a key stays inside the store: relative, no `..`, no empty segment. */
export function checkKey(key: string): string {
  if (key.startsWith('/') || key.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new UsageError(`store key "${key}" must be a relative path without "." or ".." segments`);
  }
  return key;
}
