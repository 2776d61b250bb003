import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { groupbyBatches, writeArrowFile } from '../datasets/groupby.js';
import { writeTextFile } from '../datasets/text.js';
import { positiveInt } from './options.js';

/** `quiver datasets generate <name>`: deterministic test data. */
export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('generate datasets to try jobs on');
  datasets
    .command('generate')
    .argument('<name>', 'groupby (db-benchmark G1 table, Arrow) or text (Zipf-distributed words)')
    .requiredOption('-o, --output <file>', 'file to write (.arrow for groupby, any name for text)')
    .option('--rows <n>', 'rows of groupby', positiveInt('--rows'), 1_000_000)
    .option('--mb <n>', 'megabytes of text', positiveInt('--mb'), 10)
    .option('--seed <n>', 'random seed; the same seed gives the same data', positiveInt('--seed'), 1)
    .description('write a generated dataset')
    .action(async (name: string, o: { output: string; rows: number; mb: number; seed: number }) => {
      if (name === 'groupby') await writeArrowFile(o.output, groupbyBatches(o.rows, o.seed));
      else if (name === 'text') await writeTextFile(o.output, o.mb * 2 ** 20, o.seed);
      else throw new UsageError(`unknown dataset "${name}": use groupby or text`);
      process.stderr.write(`wrote ${o.output}\n`);
    });
}
