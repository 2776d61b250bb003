import { defineJob } from 'quiver-engine';
import { broadcastJoin, probe } from './join/broadcast.js';
import { JOIN_PARAMS, joinParams } from './join/params.js';
import { gather, match, shuffleJoin } from './join/shuffle.js';

/**
 * Hash join of two inputs on key columns: the left input (-i) with `--param right=<input>`, rows
 * whose keys `on` (left) and `rightOn` (right, default the same names) are equal; composite keys with
 * `on=a,b`. `how=inner` (default) keeps matched pairs; `how=left` also keeps every left row no right
 * row matches, with nulls in the right columns. Null (and NaN) keys never match, as in SQL. Numbers
 * compare by value (int32 3 = int64 3 = 3.0; 64-bit integers exactly, past 2^53 too), and text that
 * spells a number ("42") equals it, so ids read from CSV join ids stored as integers (see join/keys.ts).
 * Dates and timestamps compare by instant, whatever their units: Timestamp<SECOND> 1 equals
 * Timestamp<MILLISECOND> 1000, and Date32 day d equals a timestamp at midnight (UTC) of d — the
 * coarser side is counted in the finer unit, exactly. Times of day and durations likewise among
 * themselves; an instant against a time of day or a duration is an error (join/check.ts).
 *
 * Before reading any row, the driver reads the schema of every file of both inputs and checks the
 * key columns (a missing one is an error naming the file, the column and the columns it has), the
 * time units and `columns`. A side with no rows (or no record batches) still gives the output every
 * column, with its type.
 *
 * Output: the left columns, then the right columns except its key columns (equal to the left keys on
 * every match), a right column named like a left one getting `_right`; `columns=a,b` keeps only those
 * output columns, in that order. Column types are kept (a dictionary column comes out decoded). Order:
 * left input order (file, then row), each left row's matches in right input order — the same for
 * both strategies, any worker count and split size.
 *
 *   quiver datasets generate customers --rows 100000 -o customers.arrow
 *   quiver datasets generate orders --rows 1000000 -o orders.arrow
 *   quiver run join -i orders.arrow -p right=customers.arrow -p on=customer_id -p rightOn=id -p how=left
 *
 * A driver with two strategies, chosen by the right input's size on disk (`broadcast`, default 64MB)
 * or forced with `strategy=broadcast|shuffle`; on a cluster (`--cluster`), whose machines share no
 * memory, `auto` always shuffles. Broadcast (join/broadcast.ts): the right side is read
 * once here, its keys hashed into SharedArrayBuffers and its other columns put beside them as Arrow
 * bytes, which every worker reads without a copy in one fold over the left input that outputs finished
 * rows. Shuffle (join/shuffle.ts): a keyed pass over both inputs pairs row references by key, then a
 * fold fetches the paired rows; only keys and references are shuffled.
 */
export { probe, match, gather };

export default defineJob({
  name: 'join',
  description: 'hash join of two inputs on key columns, inner or left (broadcast when the right side is small, else shuffle)',
  params: JOIN_PARAMS,
  async drive(q) {
    const p = await joinParams(q);
    q.count(p.strategy === 'broadcast' ? 'broadcast' : 'shuffle');
    return p.strategy === 'broadcast' ? broadcastJoin(q, p) : shuffleJoin(q, p);
  },
});
