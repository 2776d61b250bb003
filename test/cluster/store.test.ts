import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../dist/src/cluster/open-store.js';
import { StoreMissingError, type Store } from '../../dist/src/cluster/store.js';
import { startS3, useS3Env, type LocalS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startS3();
  useS3Env(s3);
});
afterAll(async () => {
  await s3?.stop();
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

// The same contract, checked on both kinds of store.
const kinds: Array<[string, () => string]> = [
  ['file://', () => pathToFileURL(tempDir('quiver-store-')).href],
  ['s3://', () => `s3://${s3.bucket}/some/prefix`],
];

describe.each(kinds)('a %s store', (_, urlOf) => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(urlOf());
  });
  afterAll(async () => {
    await store.deletePrefix('');
    await store.close();
  });

  it('gives back what was put, whole or a byte range, from one part or several', async () => {
    await store.put('runs/r1/a.bin', [bytes('hello '), bytes('world')]);
    expect(text(await store.get('runs/r1/a.bin'))).toBe('hello world');
    expect(text(await store.getRange('runs/r1/a.bin', 6, 11))).toBe('world');
    expect(text(await store.getRange('runs/r1/a.bin', 0, 1))).toBe('h');
    await store.put('runs/r1/a.bin', bytes('replaced'));
    expect(text(await store.get('runs/r1/a.bin'))).toBe('replaced');
  });

  it('says a missing object is missing', async () => {
    await expect(store.get('runs/none/x.bin')).rejects.toBeInstanceOf(StoreMissingError);
    expect(await store.has('runs/none/x.bin')).toBe(false);
    await store.put('runs/r2/here.bin', bytes('x'));
    expect(await store.has('runs/r2/here.bin')).toBe(true);
  });

  it('lists and deletes a folder, leaving the others', async () => {
    await store.put('runs/r3/s0/t0.bin', bytes('0'));
    await store.put('runs/r3/s0/t1.bin', bytes('1'));
    await store.put('runs/r3/s1/t0.bin', bytes('2'));
    await store.put('runs/r4/keep.bin', bytes('3'));
    expect((await store.list('runs/r3/')).sort()).toEqual(['runs/r3/s0/t0.bin', 'runs/r3/s0/t1.bin', 'runs/r3/s1/t0.bin']);
    await store.deletePrefix('runs/r3/');
    expect(await store.list('runs/r3/')).toEqual([]);
    expect(await store.list('runs/r4/')).toEqual(['runs/r4/keep.bin']);
    await store.delete('runs/r4/keep.bin');
    await store.delete('runs/r4/keep.bin');
    expect(await store.has('runs/r4/keep.bin')).toBe(false);
  });

  it('refuses keys that would leave the store', async () => {
    await expect(store.put('../x', bytes('x'))).rejects.toThrow(/relative path/);
  });
});

describe('a file:// store', () => {
  it('leaves no temp file behind a write', async () => {
    const dir = tempDir('quiver-store-');
    const store = await openStore(pathToFileURL(dir).href);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put('k/same.bin', bytes(`writer ${i}`))));
    expect(readdirSync(`${dir}/k`)).toEqual(['same.bin']);
    expect(text(await store.get('k/same.bin'))).toMatch(/^writer \d$/);
  });
});

it('a store URL of another scheme is refused with the forms it takes', async () => {
  await expect(openStore('http://x/y')).rejects.toThrow(/file:\/\/ or s3:\/\//);
});
