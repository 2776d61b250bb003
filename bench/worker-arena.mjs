// Why a terminated worker's memory stays in the process, without quiver: glibc's malloc, not a leak.
// Each round starts a worker thread that allocates 1 GB of 1 MB ArrayBuffers (after freeing one 8 MB
// buffer, as a task's columns do, which raises glibc's dynamic mmap threshold so the 1 MB buffers come
// from the thread's own malloc arena instead of their own mappings), then spins until terminated.
// V8 frees every buffer when the thread ends, yet RSS keeps most of it: glibc keeps the freed arena
// memory, and Node offers no malloc_trim. With the threshold fixed the memory goes back each round:
//   node bench/worker-arena.mjs                                                  # RSS grows
//   GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 node bench/worker-arena.mjs   # RSS flat
// By default each worker starts while the previous one is still being terminated (as the pool replaced a
// stalled worker before); with the argument `wait`, once the previous thread has ended (as it does now),
// so the new thread takes over the old one's arena and reuses its memory.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const rss = () => Math.round(Number(readFileSync('/proc/self/status', 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024);
const threads = () => readFileSync('/proc/self/status', 'utf8').match(/Threads:\s+(\d+)/)[1];
const body = `
const { parentPort } = require('node:worker_threads');
new Uint8Array(8 << 20).fill(1);
globalThis.gc?.();
const keep = [];
for (let i = 0; i < 1024; i++) keep.push(new Uint8Array(1 << 20).fill(1));
parentPort.postMessage('full');
for (;;) keep.length;
`;
console.log('start rss', rss(), 'MB, threads', threads());
let previous;
for (let round = 0; round < 6; round++) {
  if (process.argv[2] === 'wait' && previous) await previous;
  const w = new Worker(body, { eval: true });
  await new Promise((resolve) => w.once('message', resolve));
  const full = rss();
  previous = w.terminate();
  console.log('round', round, 'RSS while full', full, 'MB, threads', threads());
}
await previous;
await new Promise((resolve) => setTimeout(resolve, 200));
console.log('end RSS', rss(), 'MB, threads', threads());
