import { JobError, UsageError } from '../errors.js';
import type { ParamsSpec, ParamType, ParamValue } from './types.js';

const TYPES: ParamType[] = ['string', 'number', 'integer', 'boolean', 'list', 'json'];

/** Checks a job's `params` declaration when the job is defined. */
export function checkParamsSpec(label: string, spec: ParamsSpec): void {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new JobError(`${label}: \`params\` must be an object like { bins: { type: 'integer', default: 20 } }`);
  }
  for (const [name, p] of Object.entries(spec)) {
    if (!p || !TYPES.includes(p.type)) {
      throw new JobError(`${label}: param "${name}" needs \`type\`, one of ${TYPES.join(', ')}; got ${JSON.stringify(p?.type)}`);
    }
    if (p.default !== undefined) {
      try {
        coerce(name, p.type, p.default);
      } catch (e) {
        throw new JobError(`${label}: the default of param "${name}" does not match its type: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Parses `--param` values (strings) or library values against the job's declaration, fills defaults,
 * and rejects unknown or missing parameters with the fix.
 */
export function resolveParams(jobName: string, spec: ParamsSpec | undefined, given: Record<string, unknown>): Record<string, ParamValue> {
  const decl = spec ?? {};
  const out: Record<string, ParamValue> = {};
  for (const name of Object.keys(given)) {
    if (!(name in decl)) {
      const known = Object.keys(decl);
      throw new UsageError(
        `unknown --param "${name}" for job "${jobName}": ` +
          (known.length ? `it takes ${known.map((k) => `"${k}"`).join(', ')}` : 'it takes no parameters'),
      );
    }
  }
  for (const [name, p] of Object.entries(decl)) {
    const v = given[name] ?? p.default;
    if (v === undefined) {
      throw new UsageError(`job "${jobName}" needs --param ${name}=<${p.type}>${p.description ? ` (${p.description})` : ''}`);
    }
    out[name] = coerce(name, p.type, v);
  }
  return out;
}

function coerce(name: string, type: ParamType, v: unknown): ParamValue {
  const bad = (what: string) => new UsageError(`--param ${name} must be ${what}, got ${JSON.stringify(v)}`);
  switch (type) {
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'integer': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n)) throw bad('an integer');
      return n;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1' || v === 'yes') return true;
      if (v === 'false' || v === '0' || v === 'no') return false;
      throw bad('true or false');
    case 'list':
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
      if (typeof v === 'string')
        return v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0);
      throw bad('a comma-separated list');
    case 'json':
      if (typeof v !== 'string') return v as ParamValue;
      try {
        return JSON.parse(v) as ParamValue;
      } catch (e) {
        throw new UsageError(`--param ${name} must be JSON, e.g. ${name}='[[0,1],[2,3]]': ${(e as Error).message}`);
      }
  }
}

/** Parses `name=value` strings from the command line into an object. */
export function paramsFromArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new UsageError(`--param must look like name=value, got "${a}"`);
    out[a.slice(0, i).trim()] = a.slice(i + 1);
  }
  return out;
}
