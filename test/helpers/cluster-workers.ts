import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ROOT } from './tmp.js';

/** A `quiver worker` process the test started: its pid, the lines it printed, and a way to wait for one. */
export interface WorkerProcess {
  pid: number;
  lines: string[];
  /** Resolves once `count` printed lines match `pattern` (counting from the start). */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `quiver worker` processes of one thread each (tests shorten the lock so a frozen one loses its task fast). */
export async function startWorkers(n: number, cluster: string, store: string, lockMs = 1000): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: n }, () => startWorker(cluster, store, lockMs));
  await Promise.all(workers.map((w) => w.waitFor(/taking tasks/)));
  return workers;
}

function startWorker(cluster: string, store: string, lockMs: number): WorkerProcess {
  const args = [
    CLI,
    'worker',
    '--cluster',
    cluster,
    '--store',
    store,
    '--threads',
    '1',
    '--lock-duration',
    String(lockMs),
    '--stalled-interval',
    String(Math.round(lockMs / 3)),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const take = (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    for (const w of waiters) w();
  };
  child.stdout!.setEncoding('utf8').on('data', take);
  child.stderr!.setEncoding('utf8').on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    lines,
    exited,
    waitFor(pattern, count = 1, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.filter((l) => pattern.test(l)).length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`worker ${child.pid} printed no ${count}× ${pattern} in ${timeoutMs} ms; it printed:\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Stops workers by pid (SIGCONT first, in case a test froze one) and waits for them to exit. */
export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      try {
        process.kill(w.pid, 'SIGCONT');
        process.kill(w.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await w.exited;
    }),
  );
}
