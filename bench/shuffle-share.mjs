// Hypothesis: keeping a 100K-key shuffle retryable (so a reduce task can be re-sent after its worker
// dies) costs little. Compared per map→reduce hop of one 100K-key partition set (16 map outputs of
// ~6K keys each, string keys, number values), through real worker threads:
//   transfer — buffers moved (zero copy, NOT retryable: the coordinator loses them),
//   copy     — posted without a transfer list (structured clone copies them; retryable),
//   shared   — copied once into SharedArrayBuffers in the map worker, then shared (retryable).
// Run: node bench/shuffle-share.mjs   (after npm run build)
import { Worker } from 'node:worker_threads';
import { encodePairs, decodePairs, transferablesOf } from '../dist/src/worker/partials.js';
import { sharePairs } from '../dist/src/worker/share-pairs.js';

const MAPS = 16;
const KEYS = 100_000;
const workerCode = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  let n = 0;
  for (const p of m.parts) n += p.count;   // a reducer touches the parts; decoding is the same in all modes
  parentPort.postMessage(n);
});`;

function makeParts() {
  const parts = [];
  for (let t = 0; t < MAPS; t++) {
    const keys = [];
    const values = [];
    for (let k = t; k < KEYS; k += MAPS / 2) {
      keys.push(`word${k}`);
      values.push(k);
    }
    parts.push(encodePairs(keys, values));
  }
  return parts;
}

const w = new Worker(workerCode, { eval: true });
const ask = (parts, transfer) =>
  new Promise((res) => {
    w.once('message', res);
    w.postMessage({ parts }, transfer);
  });
const modes = {
  transfer: async () => {
    const p = makeParts();
    const t = performance.now();
    await ask(p, p.flatMap(transferablesOf));
    return performance.now() - t;
  },
  copy: async () => {
    const p = makeParts();
    const t = performance.now();
    await ask(p, []);
    return performance.now() - t;
  },
  shared: async () => {
    const p = makeParts();
    const t = performance.now();
    const s = p.map(sharePairs);
    await ask(s, []);
    return performance.now() - t;
  },
};
const bytes = makeParts().reduce((n, p) => n + p.keys.bytes.byteLength + p.values.data.byteLength, 0);
const pairs = makeParts().reduce((n, p) => n + p.count, 0);
const decodeMs = (() => {
  const p = makeParts();
  const t = performance.now();
  for (const x of p) decodePairs(x);
  return performance.now() - t;
})();
const shareMs = (() => {
  const p = makeParts();
  const t = performance.now();
  p.map(sharePairs);
  return performance.now() - t;
})();
console.log(`sharePairs (the copy into shared memory, done in the map workers in parallel): ${shareMs.toFixed(2)} ms`);
console.log(
  `${pairs} pairs (${KEYS} distinct keys), ${(bytes / 2 ** 20).toFixed(2)} MB per shuffle; decoding them all takes ${decodeMs.toFixed(2)} ms`,
);
for (const [name, fn] of Object.entries(modes)) {
  for (let i = 0; i < 5; i++) await fn();
  const times = [];
  for (let i = 0; i < 100; i++) times.push(await fn());
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(9)} median ${times[50].toFixed(3)} ms  (min ${times[0].toFixed(3)})`);
}
await w.terminate();
