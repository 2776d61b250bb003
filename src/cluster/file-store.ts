import type { Dirent } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { checkKey, StoreMissingError, type Store } from './store.js';

/**
 * A store on a shared filesystem (NFS, a cluster disk), `file:///mnt/shared/quiver`. Objects are
 * written to a temp name in the same folder and renamed: rename is atomic on one filesystem, NFS
 * included, so a reader sees a whole object or none, and two writers of one key leave one of them.
 */
export class FileStore implements Store {
  readonly url: string;
  private readonly root: string;

  constructor(url: string) {
    let root: string;
    try {
      root = fileURLToPath(url);
    } catch (e) {
      throw new UsageError(`--store ${url} is not a valid file:// URL (write file:///absolute/path)`, { cause: e });
    }
    // One spelling per folder, so workers and coordinators can tell they share it (`file:///a/b/` is `file:///a/b`).
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  private pathOf(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async put(key: string, parts: Uint8Array | Uint8Array[]): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, Array.isArray(parts) ? parts : [parts]);
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      throw missingOr(e, this.url, key);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(this.pathOf(key), 'r');
    } catch (e) {
      throw missingOr(e, this.url, key);
    }
    try {
      const out = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await fh.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return out.subarray(0, done);
    } finally {
      await fh.close();
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = prefix.endsWith('/') ? prefix.slice(0, -1) : path.posix.dirname(prefix);
    const base = dir === '.' || dir === '' ? this.root : this.pathOf(dir);
    let entries: Dirent[];
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
    const keys = entries
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
      .map((e) =>
        path
          .relative(this.root, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
          .split(path.sep)
          .join('/'),
      );
    return keys.filter((k) => k.startsWith(prefix));
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix.endsWith('/')) {
      await rm(this.pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
      return;
    }
    await Promise.all((await this.list(prefix)).map((k) => this.delete(k)));
  }

  async close(): Promise<void> {}
}

function missingOr(e: unknown, url: string, key: string): unknown {
  return (e as NodeJS.ErrnoException).code === 'ENOENT' ? new StoreMissingError(url, key) : e;
}
