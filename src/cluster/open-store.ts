import { UsageError } from '../errors.js';
import type { Store } from './store.js';

/**
 * Opens a store from its URL: `file:///shared/path` (a filesystem every machine mounts at the same
 * path) or `s3://bucket/prefix` (any S3-compatible service; endpoint and credentials from the usual
 * AWS_* environment variables).
 *
 * @example
 * const store = await openStore('file:///mnt/shared/quiver');
 * await store.put('runs/x/a.bin', bytes);
 */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('file://')) return new (await import('./file-store.js')).FileStore(url);
  if (url.startsWith('s3://')) return new (await import('./s3-store.js')).S3Store(url);
  throw new UsageError(`--store must be a file:// or s3:// URL (file:///mnt/shared/quiver, s3://bucket/prefix), got "${url}"`);
}
