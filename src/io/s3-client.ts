import { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../errors.js';

/**
 * The S3 client of an `s3://` input or store: endpoint, region and credentials from the usual AWS
 * environment variables (AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3, AWS_REGION or AWS_DEFAULT_REGION,
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the SDK's other credential sources such as
 * AWS_PROFILE). A custom endpoint (MinIO, Ceph, a local server) is addressed path-style, which those
 * servers expect; AWS itself virtual-host style. This module imports @aws-sdk/client-s3, so it is
 * only ever imported lazily, when an `s3://` URL is used.
 */
export function makeS3Client(): S3Client {
  // The SDK warns on every process under Node 22 that *later* SDK versions will need Node 22; quiver
  // pins its version, which runs on Node 20, so the warning would only be noise on every run's stderr
  // (a user who sets the variable keeps their value).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = s3Endpoint();
  return new S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // Other S3 servers may not know the checksums the SDK sends by default since 3.729; send them only where S3 requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries are the SDK's (3 attempts with backoff); a dead endpoint fails in seconds, not minutes.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 } as never,
  });
}

/** The custom endpoint the client talks to, if one is set. */
export function s3Endpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
}

/** The parts of an `s3://bucket/key` URL; `key` is '' for a bare bucket. */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

/** What went wrong in an S3 request, as far as a user can fix it. */
export type S3Failure = 'no-bucket' | 'no-key' | 'denied' | 'unreachable' | 'no-credentials' | 'other';

/** Sorts an error of the SDK (or of the HTTP layer under it) into an `S3Failure`. */
export function s3FailureOf(e: unknown): S3Failure {
  const err = e as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  const name = err.name ?? err.Code ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket') return 'no-bucket';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'no-key';
  if (
    name === 'AccessDenied' ||
    name === 'Forbidden' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    status === 403
  )
    return 'denied';
  if (name === 'CredentialsProviderError') return 'no-credentials';
  const code = err.code ?? (err.cause as { code?: string } | undefined)?.code ?? '';
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/.test(code) || name === 'TimeoutError')
    return 'unreachable';
  return 'other';
}

/**
 * An InputError for a failed S3 request about `url`, saying what to fix. A 404 of a HEAD request
 * (which has no body) does not tell a missing bucket from a missing key: `noKey` words that case.
 */
export function s3InputError(url: string, e: unknown, noKey = `${url} does not exist; check the bucket and key`): InputError {
  const where = s3Endpoint() ?? 'AWS S3';
  const bucket = parseS3Url(url)?.bucket ?? '';
  const { name, message: said } = e as Error;
  const credentials = 'the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)';
  const message: Record<S3Failure, string> = {
    'no-bucket': `${url}: the bucket "${bucket}" does not exist at ${where}; check the bucket name (and AWS_ENDPOINT_URL)`,
    'no-key': noKey,
    denied: `${url}: access denied (${name}); check ${credentials} and that they may read the bucket`,
    unreachable: `${url}: cannot reach the S3 endpoint ${where} (${said || name}); check AWS_ENDPOINT_URL and that the server is up`,
    'no-credentials': `${url}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`,
    other: `${url}: the S3 request failed: ${name}: ${said}`,
  };
  return new InputError(message[s3FailureOf(e)], { cause: e, location: { file: url } });
}
