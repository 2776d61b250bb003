// A trivial worker for micro.mjs: answers each message at once. A message carrying a buffer gets its
// first byte incremented (so the benchmark can check the data really reached the worker), and the
// buffer goes back the way it came: transferred, cloned, or (shared memory) not sent at all.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (msg) => {
  if (msg.kind === 'ping') return parentPort.postMessage(msg.id);
  new Uint8Array(msg.buf)[0]++;
  if (msg.kind === 'transfer') parentPort.postMessage(msg.buf, [msg.buf]);
  else if (msg.kind === 'clone') parentPort.postMessage(msg.buf);
  else parentPort.postMessage(null);
});
