// Long-lived child processes for bench/fuzz.mjs (fuzz-runner.mjs, fuzz-reference.mjs): one question at
// a time over IPC, with a timeout; a child that dies or times out is reported as such, with the tail
// of its stderr, and replaced by a fresh one for the next question.
import { fork } from 'node:child_process';

export class Child {
  /** `script` and its `execArgv` / `env`; `name` only for messages. */
  constructor(script, { execArgv = [], env = process.env, name = script } = {}) {
    Object.assign(this, { script, execArgv, env, name });
    this.proc = undefined;
    this.nextId = 0;
    this.started = 0;
  }

  /** A fresh process, ready for questions. */
  async start() {
    const proc = fork(this.script, [], { execArgv: this.execArgv, env: this.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.proc = proc;
    this.started++;
    proc.stderrTail = '';
    proc.stderr.on('data', (d) => {
      proc.stderrTail = (proc.stderrTail + d).slice(-1 << 16);
    });
    proc.exitState = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    const ready = await Promise.race([
      new Promise((resolve) => proc.once('message', (m) => resolve(m?.ready === true))),
      proc.exitState.then(() => false),
    ]);
    if (!ready) throw new Error(`${this.name} did not start: ${proc.stderrTail.slice(-2000)}`);
  }

  /**
   * Asks one question. Resolves `{ state: 'answered', answer }`, `{ state: 'died', code, signal, stderr }`
   * (the process ended while answering; a new one is started) or `{ state: 'timeout', stderr }` (killed
   * after `timeoutMs`; a new one is started).
   */
  async ask(message, timeoutMs) {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) await this.start();
    const proc = this.proc;
    const id = this.nextId++;
    proc.stderrTail = '';
    let timer;
    const outcome = await Promise.race([
      new Promise((resolve) => {
        const on = (m) => {
          if (m?.id !== id) return;
          proc.off('message', on);
          resolve({ state: 'answered', answer: m });
        };
        proc.on('message', on);
        proc.send({ ...message, id });
      }),
      proc.exitState.then(({ code, signal }) => ({ state: 'died', code, signal })),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ state: 'timeout' }), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome.state !== 'answered') {
      if (outcome.state === 'timeout') proc.kill('SIGKILL');
      await proc.exitState;
      // Let the last of its stderr arrive.
      await new Promise((r) => setTimeout(r, 50));
      outcome.stderr = proc.stderrTail;
      this.proc = undefined;
    }
    return outcome;
  }

  /** Ends the process (used at the end of the campaign); resolves once it has exited, so its CPU time is counted. */
  async close() {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    proc.kill('SIGKILL');
    await proc.exitState;
  }
}
