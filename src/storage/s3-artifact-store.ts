// Artifact store in an S3-compatible bucket (AWS S3, MinIO, ...): one object per key under an optional key prefix.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { assertValidKey, StorageError, type ArtifactStat, type ArtifactStore } from './artifact-store.js';

export interface S3ArtifactStoreOptions {
  client: S3Client;
  bucket: string;
  /** Keys live under `${prefix}/` in the bucket; '' for the bucket's root. */
  prefix?: string;
  /** Keys per ListObjectsV2 page and per DeleteObjects request (S3 allows at most 1000); tests page with fewer. */
  pageSize?: number;
}

/** S3's smallest part (but the last) is 5 MiB. */
const PART_BYTES = 8 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', json: 'application/json' };

export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly root: string;
  private readonly pageSize: number;

  constructor({ client, bucket, prefix = '', pageSize = 1000 }: S3ArtifactStoreOptions) {
    if (prefix) assertValidKey(prefix);
    this.client = client;
    this.bucket = bucket;
    this.root = prefix ? `${prefix}/` : '';
    this.pageSize = Math.min(Math.max(1, pageSize), 1000);
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.root + key;
  }

  // A PUT replaces the object whole, so readers never see a partial write: atomic without a temp object.
  async put(key: string, bytes: Uint8Array): Promise<ArtifactStat> {
    const Key = this.objectKey(key);
    const ext = key.slice(key.lastIndexOf('.') + 1);
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
        }),
      );
      if (!res.ETag) throw new Error('the server returned no ETag');
      return { size: bytes.byteLength, etag: res.ETag };
    } catch (err) {
      throw storageError('write', key, err);
    }
  }

  /** Parts of PART_BYTES in a multipart upload (a single PUT when the stream is smaller): memory holds one part. */
  async putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<ArtifactStat> {
    const Key = this.objectKey(key);
    let uploadId: string | undefined;
    const parts: { ETag: string; PartNumber: number }[] = [];
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let size = 0;
    let sourceError: unknown;
    const flush = async () => {
      if (!uploadId) {
        const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ContentType: 'application/octet-stream' }));
        uploadId = res.UploadId;
      }
      const Body = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      const PartNumber = parts.length + 1;
      const res = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber, Body, ContentLength: Body.length }));
      parts.push({ ETag: res.ETag!, PartNumber });
    };
    try {
      try {
        for await (const chunk of source) {
          pending.push(chunk);
          pendingBytes += chunk.byteLength;
          size += chunk.byteLength;
          if (pendingBytes >= PART_BYTES) await flush();
        }
      } catch (err) {
        sourceError = err;
        throw err;
      }
      if (!uploadId) return await this.put(key, Buffer.concat(pending));
      if (pendingBytes > 0) await flush();
      const res = await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
      return { size, etag: res.ETag ?? `"${size}"` };
    } catch (err) {
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId })).catch(() => {});
      if (sourceError !== undefined) throw sourceError;
      throw err instanceof StorageError ? err : storageError('write', key, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const Key = this.objectKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (isMissing(err)) return null;
      throw storageError('read', key, err);
    }
  }

  async stat(key: string): Promise<ArtifactStat | null> {
    const Key = this.objectKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: res.ContentLength ?? 0, etag: res.ETag ?? '' };
    } catch (err) {
      if (isMissing(err)) return null;
      throw storageError('stat', key, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const Prefix = `${this.objectKey(prefix)}/`;
    const keys: string[] = [];
    try {
      for await (const page of paginateListObjectsV2({ client: this.client, pageSize: this.pageSize }, { Bucket: this.bucket, Prefix })) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.root.length));
      }
    } catch (err) {
      throw storageError('list', prefix, err);
    }
    return keys.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = await this.list(prefix);
    for (let i = 0; i < keys.length; i += this.pageSize) {
      const Objects = keys.slice(i, i + this.pageSize).map((key) => ({ Key: this.root + key }));
      let failed;
      try {
        const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
        failed = res.Errors?.[0];
      } catch (err) {
        throw storageError('delete', prefix, err);
      }
      if (failed) throw new StorageError(`cannot delete artifact ${failed.Key?.slice(this.root.length)}: ${failed.Code} ${failed.Message ?? ''}`.trim());
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** GetObject answers NoSuchKey; HeadObject has no body and answers NotFound. */
function isMissing(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function storageError(what: string, key: string, err: unknown): StorageError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // No HTTP status: the server was not reached (refused, reset, timed out). 5xx and throttling pass too; other 4xx
  // (no such bucket, access denied) need an operator.
  const status = e.$metadata?.httpStatusCode;
  const transient = status === undefined || status >= 500 || status === 429 || e.name === 'SlowDown';
  return new StorageError(`cannot ${what} artifact ${key}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, {
    cause: err,
    transient,
  });
}
