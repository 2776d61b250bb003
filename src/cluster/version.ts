import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE_ROOT } from '../layout.js';

/** This install's quiver version: a coordinator and its workers must run the same one. */
export const QUIVER_VERSION: string = (JSON.parse(readFileSync(path.join(ENGINE_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
