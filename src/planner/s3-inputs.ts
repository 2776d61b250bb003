import { InputError, PlanError, UsageError } from '../errors.js';
import { parseS3Url } from '../io/s3-client.js';
import { s3List, s3ObjectAt, type S3ObjectInfo } from '../io/s3-input.js';

/**
 * Expands one `s3://` input into the objects it names, as `expandInputs` does for paths (loaded only
 * for `s3://` inputs, with the SDK):
 * - `s3://bucket/key`: that object; when there is none but keys start with `key/`, the "folder" `key/`;
 * - `s3://bucket/prefix/` (or `s3://bucket`): every object under the prefix, skipping hidden ones
 *   (`_SUCCESS`, `.crc`: a name part starting with `.` or `_`, as for directories) and folder markers;
 * - `s3://bucket/logs/2024-*.csv`: a glob (`*`, `**`, `?`, `{a,b}`) over the keys under its fixed
 *   prefix (`logs/`), one listing.
 * Sizes come from the listing or a HEAD request, so planning reads no data.
 */
export async function expandS3Input(url: string, hidden: RegExp): Promise<S3ObjectInfo[]> {
  const at = parseS3Url(url);
  if (!at || at.bucket === '') throw new UsageError(`--input ${url} is not an s3:// URL; write s3://bucket/key or s3://bucket/prefix/`);
  const { bucket, key } = at;
  const wild = key.search(/[*?{[]/);
  if (wild >= 0) {
    const base = key.slice(0, key.lastIndexOf('/', wild) + 1);
    const pattern = globToRegExp(key);
    const found = (await s3List(bucket, base, url)).filter((o) => pattern.test(o.url.slice(`s3://${bucket}/`.length)));
    if (found.length === 0) throw new PlanError(`--input "${url}" matches no object under s3://${bucket}/${base}; check the pattern`);
    return found;
  }
  if (key !== '' && !key.endsWith('/')) {
    const one = await s3ObjectAt(url);
    if (one) return [one];
  }
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const found = (await s3List(bucket, prefix, url)).filter((o) => {
    const rest = o.url.slice(`s3://${bucket}/${prefix}`.length);
    return rest !== '' && !rest.endsWith('/') && !hidden.test(rest);
  });
  if (found.length > 0) return found;
  throw key === prefix
    ? new PlanError(`input ${url} holds no objects; check the prefix`)
    : new InputError(`input ${url} does not exist (no object, and no objects under ${prefix}); check the bucket and key`, {
        location: { file: url },
      });
}

/** A glob over S3 keys as a regular expression: `*` and `?` stay inside one name, `**` crosses `/`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders, none included.
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') (re += '(?:'), braces++;
    else if (c === '}' && braces > 0) (re += ')'), braces--;
    else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|\\{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
