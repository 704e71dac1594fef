// Builds the artifact store the configuration asks for (GANFORGE_STORAGE): filesystem or S3-compatible bucket.
import { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../config/env.js';
import type { ArtifactStore } from './artifact-store.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

export type StorageEnv = Pick<
  Env,
  | 'GANFORGE_STORAGE'
  | 'GANFORGE_DATA_DIR'
  | 'GANFORGE_S3_BUCKET'
  | 'GANFORGE_S3_ENDPOINT'
  | 'GANFORGE_S3_REGION'
  | 'GANFORGE_S3_FORCE_PATH_STYLE'
  | 'GANFORGE_S3_PREFIX'
>;

/** Credentials come from the SDK's default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, or a role. */
export function createArtifactStore(env: StorageEnv): ArtifactStore {
  if (env.GANFORGE_STORAGE === 'fs') return new FsArtifactStore(env.GANFORGE_DATA_DIR);
  const client = new S3Client({
    region: env.GANFORGE_S3_REGION,
    forcePathStyle: env.GANFORGE_S3_FORCE_PATH_STYLE,
    ...(env.GANFORGE_S3_ENDPOINT ? { endpoint: env.GANFORGE_S3_ENDPOINT } : {}),
  });
  // loadEnv has checked that the bucket is set when GANFORGE_STORAGE=s3.
  return new S3ArtifactStore({ client, bucket: env.GANFORGE_S3_BUCKET!, prefix: env.GANFORGE_S3_PREFIX ?? '' });
}
