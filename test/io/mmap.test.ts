import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mapRange, mappedBytesCounted, mmapAvailable, releaseMapped } from '../../dist/src/io/mmap.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

// These run where native/mmap.c is built, as `npm run build` does on Linux and macOS; a machine
// without a C compiler fails them on purpose, to say that quiver there reads files with copies.
describe('memory-mapped file ranges', () => {
  afterEach(() => {
    delete process.env.QUIVER_MMAP;
  });

  const file = path.join(dir, 'bytes.bin');
  const bytes = new Uint8Array(3 * 4096 + 123).map((_, i) => (i * 7 + (i >> 12)) & 255);
  writeFileSync(file, bytes);

  it('give the same bytes as reading the file, at any offset and length', () => {
    process.env.QUIVER_MMAP = '1';
    expect(mmapAvailable()).toBe(true);
    for (const [offset, length] of [
      [0, bytes.length],
      [1, 10],
      [4095, 2],
      [4096, 4096],
      [5000, 7000],
      [bytes.length - 1, 1],
      [777, 0],
      [bytes.length, 0],
    ] as const) {
      const view = mapRange(file, offset, length)!;
      expect(view.byteLength).toBe(length);
      expect(Buffer.from(view).equals(Buffer.from(bytes.subarray(offset, offset + length))), `${offset}+${length}`).toBe(true);
    }
  });

  it('keep writes into a view to this process: the file does not change', () => {
    process.env.QUIVER_MMAP = '1';
    const view = mapRange(file, 100, 50)!;
    view.fill(0);
    expect(view.every((b) => b === 0)).toBe(true);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(mapRange(file, 100, 50)!).equals(Buffer.from(bytes.subarray(100, 150)))).toBe(true);
  });

  it('say which file is too short or missing', () => {
    process.env.QUIVER_MMAP = '1';
    expect(() => mapRange(file, 4096, bytes.length)).toThrow(
      /cannot read 12411 bytes at offset 4096 of .*bytes\.bin: .*bytes\.bin has 12411 bytes, fewer than the 16507 asked for \(was it truncated\?\)/,
    );
    expect(() => mapRange(path.join(dir, 'missing.bin'), 0, 1)).toThrow(
      /missing\.bin: cannot open .*missing\.bin: No such file or directory/,
    );
  });

  it('are off with QUIVER_MMAP=0, and the readers then read with copies', () => {
    process.env.QUIVER_MMAP = '0';
    expect(mmapAvailable()).toBe(false);
    expect(mapRange(file, 0, 10)).toBeUndefined();
  });

  // A sparse file: mapping it costs address space only, and its pages read as zeros.
  const big = path.join(dir, 'sparse.bin');
  writeFileSync(big, '');
  truncateSync(big, 256 << 20);
  const MODULE = pathToFileURL(path.resolve('dist/src/io/mmap.js')).href;

  it('are SharedArrayBuffers, which V8 does not count as external memory (no GC for a mapped split)', () => {
    process.env.QUIVER_MMAP = '1';
    const before = mappedBytesCounted();
    const view = mapRange(big, 0, 256 << 20)!;
    expect(view.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(view[12345]).toBe(0);
    expect(mappedBytesCounted()).toBe(before);
  });

  it('give back the pages of a released view, which reads the file again if read again', () => {
    process.env.QUIVER_MMAP = '1';
    const view = mapRange(file, 0, bytes.length)!;
    expect(Buffer.from(view).equals(Buffer.from(bytes))).toBe(true);
    releaseMapped(view.subarray(100, 3 * 4096 + 50));
    releaseMapped(view.subarray(0, 0));
    expect(Buffer.from(view).equals(Buffer.from(bytes))).toBe(true);
    expect(() => releaseMapped(new Float64Array(4) as unknown as Uint8Array)).toThrow(/release\(view: Uint8Array\)/);
  });

  it('count as external memory again past QUIVER_MMAP_LINGER_MB of live mappings, until they are freed', () => {
    // The budget is read when the addon loads, so this runs in a process of its own.
    const script = `
      const { mapRange, mappedBytesCounted } = await import(${JSON.stringify(MODULE)});
      let held = [mapRange(${JSON.stringify(big)}, 0, 1 << 20), mapRange(${JSON.stringify(big)}, 0, 64 << 20), mapRange(${JSON.stringify(big)}, 0, 64 << 20)];
      const counted = mappedBytesCounted();
      held = null;
      for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
      console.log(JSON.stringify({ counted, after: mappedBytesCounted() }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, QUIVER_MMAP: '1', QUIVER_MMAP_LINGER_MB: '32' },
    });
    expect(r.stderr).toBe('');
    const { counted, after } = JSON.parse(r.stdout);
    // Under 32 MB live: the 1 MB mapping is not counted; each 64 MB one takes the live total past 32 MB.
    expect(counted).toBe(128 << 20);
    expect(after).toBe(0);
  });

  /** Maps `count` ranges of `size` bytes of the sparse file in a process of its own, drops them, and counts its mappings of the file then and after GCs. */
  function mappingsAfterGc(count: number, size: number): { whileHeld: number; after: number } {
    const script = `
      const { readFileSync } = await import('node:fs');
      const { mapRange } = await import(${JSON.stringify(MODULE)});
      const mapped = () => readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith(${JSON.stringify(big)})).length;
      let held = Array.from({ length: ${count} }, (_, i) => mapRange(${JSON.stringify(big)}, i * 4096, ${size}));
      const whileHeld = mapped();
      held = null;
      let after = -1;
      for (let i = 0; i < 250 && after !== 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); after = mapped(); }
      console.log(JSON.stringify({ whileHeld, after }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--no-concurrent-sweeping', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, QUIVER_MMAP: '1' },
    });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  }

  it("are unmapped once V8 frees their buffers (by the addon's reaper thread, off the freeing thread)", () => {
    const { whileHeld, after } = mappingsAfterGc(40, 16 << 20);
    expect(whileHeld).toBe(40);
    expect(after).toBe(0);
  });

  it("are all unmapped when one GC frees more than the reaper's 1 GB backlog at once (the rusher thread takes the excess)", () => {
    const { whileHeld, after } = mappingsAfterGc(24, 128 << 20);
    expect(whileHeld).toBe(24); // 3 GB of mappings: past the backlog, under the 4 GB limit
    expect(after).toBe(0);
  });

  it('outlive the worker threads that made them without crashing the process', () => {
    // Each worker stops while it still holds a mapping: V8 frees it as it tears the worker's heap down,
    // after Node has unloaded the addon for that worker, so the addon must stay loaded.
    const script = `
      const { Worker } = await import('node:worker_threads');
      const code = 'const { mapRange } = await import(' + ${JSON.stringify(JSON.stringify(MODULE))} + '); globalThis.held = mapRange(' + ${JSON.stringify(JSON.stringify(big))} + ', 0, 1 << 20); held[0]; process.exit(0);';
      await Promise.all([1, 2, 3].map(() => new Promise((resolve, reject) => new Worker(new URL('data:text/javascript,' + encodeURIComponent(code))).on('exit', resolve).on('error', reject))));
      console.log('ok');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, QUIVER_MMAP: '1' },
    });
    expect(r.signal).toBe(null);
    expect(r.stdout.trim()).toBe('ok');
  });
});
