import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { DATASETS, type DatasetOptions } from '../datasets/registry.js';
import { positiveInt } from './options.js';

/** `quiver datasets generate <name>`: deterministic test data. */
export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('generate datasets to try jobs on');
  const names = Object.keys(DATASETS);
  datasets
    .command('generate')
    .argument('<name>', `one of: ${names.join(', ')}`)
    .requiredOption('-o, --output <file>', 'file to write')
    .option('--rows <n>', 'rows of a table dataset', positiveInt('--rows'), 1_000_000)
    .option('--mb <n>', 'megabytes of a text dataset', positiveInt('--mb'), 10)
    .option('--seed <n>', 'random seed; the same seed gives the same data', positiveInt('--seed'), 1)
    .description('write a generated dataset')
    .addHelpText('after', `\nDatasets:\n${names.map((n) => `  ${n.padEnd(16)} ${DATASETS[n]!.description}`).join('\n')}\n`)
    .action(async (name: string, o: DatasetOptions & { output: string }) => {
      const dataset = DATASETS[name];
      if (!dataset) throw new UsageError(`unknown dataset "${name}": use one of ${names.join(', ')}`);
      if (dataset.extension && !o.output.endsWith(dataset.extension)) {
        throw new UsageError(`dataset ${name} is written as ${dataset.extension}: name the output file …${dataset.extension}`);
      }
      await dataset.write(o.output, o);
      process.stderr.write(`wrote ${o.output}\n`);
    });
}
