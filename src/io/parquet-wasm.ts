import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

/** parquet-wasm's Node build: its classes and functions, bound to one WebAssembly instance. */
export type ParquetWasm = typeof import('parquet-wasm/node');

const require = createRequire(import.meta.url);
let current: ParquetWasm | undefined;
let generation = 0;

/**
 * The parquet-wasm instance this thread reads with. A panic inside the Rust code aborts as a
 * WebAssembly trap (`RuntimeError: unreachable`) that leaves the instance's memory and borrow flags
 * wherever it stopped, so after a trap the instance is never used again: `discardParquetWasm` drops
 * it and the next call instantiates a fresh one (see `instantiate`), over the same compiled module.
 */
export function parquetWasm(): ParquetWasm {
  if (!current) {
    if (!userSetsTieringBudget()) v8.setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
    current = instantiate(compiledParquetWasm());
    generation++;
  }
  return current;
}

const WASM_NAME = 'parquet_wasm_bg.wasm';
let glueFile: string | undefined;
/**
 * parquet-wasm's Node build (its glue code), resolved when first needed: this module is imported by
 * every thread of every run (the worker handle, the worker's entry), Parquet or not.
 */
const glueOf = (): string => (glueFile ??= require.resolve('parquet-wasm/node'));
/** Its WebAssembly file. */
const wasmFile = (): string => path.join(path.dirname(glueOf()), WASM_NAME);
let compiled: WebAssembly.Module | undefined;
let glue: ((...args: unknown[]) => void) | undefined;

/**
 * parquet-wasm's WebAssembly compiled, once per process: V8 shares a compiled module's code between
 * the threads it is posted to, and compiling its 5 MB anew cost each thread ~60 ms of CPU (every
 * worker of every Parquet run, on the way to its first row group). The coordinator's planner compiles
 * it to read the footer and sends it to the workers with the job (`adoptParquetWasm`).
 */
export function compiledParquetWasm(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(wasmFile()));
  return compiled;
}

/** The module this thread has compiled or been given, if any (none before its first Parquet file). */
export function sharedParquetWasm(): WebAssembly.Module | undefined {
  return compiled;
}

/** Reads with `module`, compiled by another thread of this process, instead of compiling one here. */
export function adoptParquetWasm(module: WebAssembly.Module): void {
  compiled ??= module;
}

/**
 * A new instance of parquet-wasm's Node build over `module`. Its glue code compiles its WebAssembly
 * when it is evaluated (`new WebAssembly.Module(readFileSync(…))`) and has no way to be given a module,
 * so it is evaluated here as CommonJS with a `WebAssembly` whose `Module` is the compiled one and an
 * `fs` that does not read the file again; each evaluation is a fresh instance, with its own memory.
 */
function instantiate(module: WebAssembly.Module): ParquetWasm {
  const file = glueOf();
  glue ??= vm.compileFunction(readFileSync(file, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname', 'WebAssembly'], {
    filename: file,
  }) as (...args: unknown[]) => void;
  const wasm = Object.create(WebAssembly, {
    Module: {
      value: function Module() {
        return module;
      },
    },
  });
  const fs = {
    ...require('node:fs'),
    readFileSync: (file: unknown, ...rest: unknown[]) =>
      String(file).endsWith(WASM_NAME) ? new Uint8Array() : readFileSync(file as string, ...(rest as [])),
  };
  const requireShim = Object.assign((id: string) => (id === 'fs' || id === 'node:fs' ? fs : require(id)), require);
  const mod = { exports: {} as ParquetWasm };
  glue(mod.exports, requireShim, mod, file, path.dirname(file), wasm);
  return mod.exports;
}

/**
 * V8's budget (roughly bytes of WebAssembly run) before a function is recompiled by its optimizing
 * compiler, ten times its default of 1,800,000. At the default, opening one Parquet footer and reading
 * one small row group tiered up enough of parquet-wasm's large Rust functions to cost ~100 ms of CPU on
 * V8's background threads, in every run, for code that then ran for microseconds: a third of a small
 * run's CPU (1,000 rows at 2 workers: 0.70 s → 0.59 s). The loops that decode a big file still exhaust
 * it within a few milliseconds of their first run and get optimized as before (q1 on 10M rows from
 * Parquet used less CPU, not more). Later V8s raised their own default to 13,000,000, so on newer Node
 * this is a small step; the flag is in all of them, process-wide, and read when an instance is made,
 * so it is set before the first one.
 */
const WASM_TIERING_BUDGET = 18_000_000;

/** True when the user gave V8 a tiering budget of their own (`node --wasm-tiering-budget=…`), which stands. */
function userSetsTieringBudget(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /wasm[-_]tiering[-_]budget/.test(a));
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

/** What failed, for a message: a trap said as the reader's crash (not `RuntimeError: unreachable`), else the Rust error's text. */
export function wasmFailure(e: unknown): string {
  return isWasmTrap(e) ? `the Parquet reader (parquet-wasm) crashed (WebAssembly ${e.message})` : String(e);
}

const traps = new Set<(e: Error) => void>();

/**
 * parquet-wasm decodes inside promise callbacks of its own (a Blob slice's `arrayBuffer()` resolving
 * polls the Rust future), so a trap there is thrown in a callback nobody awaits: the read's promise
 * never settles and the trap surfaces as an unhandled rejection or an uncaught exception. In a worker,
 * threads.js catches those and only posts them to a listener quiver does not have, so the task waited
 * forever at 0% CPU (a Polars Categorical column; a corrupt page header). A read raced against
 * `whileReading` fails with the trap instead. The listeners are there only while a read is pending and
 * act only on WebAssembly traps; anything else is left to the process's other listeners, or to Node's
 * default.
 */
const onStray = (event: 'uncaughtException' | 'unhandledRejection') => (e: unknown) => {
  if (isWasmTrap(e) && traps.size > 0) {
    discardParquetWasm();
    for (const fail of [...traps]) fail(e);
    return;
  }
  // Alone, these listeners would swallow every other error: step aside and give it back to Node.
  if (process.listenerCount(event) === 1) {
    stopListening();
    process.nextTick(() => {
      throw e;
    });
  }
};
const listeners = { uncaughtException: onStray('uncaughtException'), unhandledRejection: onStray('unhandledRejection') };
let listening = false;

function stopListening(): void {
  process.off('uncaughtException', listeners.uncaughtException);
  process.off('unhandledRejection', listeners.unhandledRejection);
  listening = false;
}

/** Settles with `read`, or rejects with a WebAssembly trap thrown where `read` could not catch it. */
export async function whileReading<T>(read: () => Promise<T>): Promise<T> {
  if (!listening) {
    process.on('uncaughtException', listeners.uncaughtException);
    process.on('unhandledRejection', listeners.unhandledRejection);
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
    if (traps.size === 0) stopListening(); // listening only while a read is pending
  }
}
