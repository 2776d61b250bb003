import { correlatedBatches } from './correlated.js';
import { groupbyBatches, writeArrowFile } from './groupby.js';
import { matrixBatches } from './matrix.js';
import { customersBatches, ordersBatches } from './orders.js';
import { pointsBatches } from './points.js';
import { sortBatches } from './sort.js';
import { writeTextFile } from './text.js';
import { TEXT_FOLDER_FILES, writeTextFolder } from './text-folder.js';

/** The size and seed options of `quiver datasets generate`. */
export interface DatasetOptions {
  /** Rows of a table dataset. */
  rows: number;
  /** Megabytes of a text dataset. */
  mb: number;
  /** Random seed: the same seed gives the same data. */
  seed: number;
}

/** One generated dataset: what it is and how to write it. */
export interface Dataset {
  /** One line for `quiver datasets generate --help`. */
  description: string;
  /** The file name extension the output should have, e.g. `.arrow`; checked before writing. */
  extension?: string;
  write(output: string, o: DatasetOptions): Promise<void>;
}

/**
 * The datasets `quiver datasets generate <name>` can write, by name. Each generator is deterministic
 * for a seed, so tests and benchmarks can regenerate the same data. Add a dataset by adding an entry.
 */
export const DATASETS: Record<string, Dataset> = {
  groupby: {
    description: 'db-benchmark G1 table (id1–id6, v1–v3), --rows rows',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, groupbyBatches(o.rows, o.seed)),
  },
  correlated: {
    description: 'six float64 columns f1–f6 mixing three hidden Gaussian factors plus noise (for pca), --rows rows',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, correlatedBatches(o.rows, o.seed)),
  },
  matrix: {
    description: 'a random n×n matrix (float64 columns c0…c{n-1} in [-1, 1), a row per matrix row) for matrix-multiply, --rows n',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, matrixBatches(o.rows, o.rows, o.seed)),
  },
  customers: {
    description: 'customers (id, name, country, balance) for join, ids 1…rows shuffled, --rows rows',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, customersBatches(o.rows, o.seed)),
  },
  orders: {
    description: 'orders (order_id, customer_id, quantity, amount) for join: customer_id in 1…1.05·rows/10 (1% null), --rows rows',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, ordersBatches(o.rows, o.seed)),
  },
  points: {
    description: 'float64 x, y, z in Gaussian blobs around 8 random centres, and the blob (for kmeans), --rows rows',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, pointsBatches(o.rows, o.seed)),
  },
  sort: {
    description: 'rows to sort: x float64, k int32, skewed int32 (0 in half the rows), s random text, id the row number, --rows rows',
    extension: '.arrow',
    write: (output, o) => writeArrowFile(output, sortBatches(o.rows, o.seed)),
  },
  text: {
    description: 'Zipf-distributed words in lines, --mb megabytes',
    write: (output, o) => writeTextFile(output, o.mb * 2 ** 20, o.seed),
  },
  texts: {
    description: `a folder of ${TEXT_FOLDER_FILES} text files of unequal sizes (Zipf words in lines, as text), --mb megabytes in all`,
    write: (output, o) => writeTextFolder(output, o.mb * 2 ** 20, o.seed),
  },
};
