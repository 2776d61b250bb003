import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

describe('--stall-timeout', () => {
  it('is checked, and shown in --help', async () => {
    const bad = await runCli(['run', 'wordcount', '-i', 'x.txt', '--stall-timeout', 'soon']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--stall-timeout must be a duration such as 90s, 30m or 2h, got "soon"/);
    for (const cmd of ['run', 'convert']) expect((await runCli([cmd, '--help'])).stdout).toMatch(/--stall-timeout <duration>/);
  });

  it('a pipe without an extension is refused clearly (was ESPIPE, exit 70)', async () => {
    const fifo = path.join(dir, 'plain-pipe');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['run', 'wordcount', '-i', fifo, '-q']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/plain-pipe is not a regular file \(a pipe or a device\)/);
  });
});
