import { createRequire } from 'node:module';

/** parquet-wasm's Node build: its classes and functions, bound to one WebAssembly instance. */
export type ParquetWasm = typeof import('parquet-wasm/node');

const require = createRequire(import.meta.url);
let current: ParquetWasm | undefined;
let generation = 0;

/**
 * The parquet-wasm instance this thread reads with. A panic inside the Rust code aborts as a
 * WebAssembly trap (`RuntimeError: unreachable`) that leaves the instance's memory and borrow flags
 * wherever it stopped, so after a trap the instance is never used again: `discardParquetWasm` drops
 * it and the next call instantiates a fresh one (the module is CommonJS and instantiates its
 * WebAssembly when it is required, so clearing it from require's cache gives a new instance).
 */
export function parquetWasm(): ParquetWasm {
  if (!current) {
    const file = require.resolve('parquet-wasm/node');
    delete require.cache[file];
    current = require(file) as ParquetWasm;
    generation++;
  }
  return current;
}

/** Which instance `parquetWasm` gives now: handles opened under an older one must not be used. */
export function parquetWasmGeneration(): number {
  return generation;
}

/** Drops the current instance after a trap (see `parquetWasm`). */
export function discardParquetWasm(): void {
  current = undefined;
}

/** True for a WebAssembly trap (`unreachable`, out-of-bounds access …) rather than a Rust error. */
export function isWasmTrap(e: unknown): e is Error {
  return e instanceof WebAssembly.RuntimeError;
}

const traps = new Set<(e: Error) => void>();

/**
 * parquet-wasm decodes inside promise callbacks of its own (a Blob slice's `arrayBuffer()` resolving
 * polls the Rust future), so a trap there is thrown in a callback nobody awaits: the read's promise
 * never settles and the trap surfaces as an unhandled rejection or an uncaught exception. In a worker,
 * threads.js catches those and only posts them to a listener quiver does not have, so the task waited
 * forever at 0% CPU (a Polars Categorical column; a corrupt page header). A read raced against
 * `whileReading` fails with the trap instead. The listeners act only on WebAssembly traps while a read
 * is pending; anything else is left to the process's other listeners, or to Node's default.
 */
const onStray = (event: 'uncaughtException' | 'unhandledRejection') => (e: unknown) => {
  if (isWasmTrap(e) && traps.size > 0) {
    discardParquetWasm();
    for (const fail of [...traps]) fail(e);
    return;
  }
  // Alone, this listener would swallow every other error: give it back to Node's default instead.
  if (process.listenerCount(event) === 1) throw e;
};
let listening = false;

/** Settles with `read`, or rejects with a WebAssembly trap thrown where `read` could not catch it. */
export async function whileReading<T>(read: () => Promise<T>): Promise<T> {
  if (!listening) {
    process.on('uncaughtException', onStray('uncaughtException'));
    process.on('unhandledRejection', onStray('unhandledRejection'));
    listening = true;
  }
  let fail!: (e: Error) => void;
  const trapped = new Promise<never>((_, reject) => (fail = reject));
  traps.add(fail);
  try {
    return await Promise.race([read(), trapped]);
  } catch (e) {
    if (isWasmTrap(e)) discardParquetWasm();
    throw e;
  } finally {
    traps.delete(fail);
  }
}
