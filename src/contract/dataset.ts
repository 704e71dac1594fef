// The dataset contract shared by the API and the worker: the record kept in Redis, the processing queue and its payload.
import { z } from 'zod';

export const DATASET_QUEUE_NAME = 'datasets';

export const DATASET_STATUSES = ['processing', 'ready', 'failed'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

/** Image sizes and channel counts an upload may ask for. */
export const DATASET_SIZES = [28, 32, 64] as const;
export const DATASET_CHANNELS = [1, 3] as const;

/** Archive formats POST /datasets takes, by content type. */
export const ARCHIVE_TYPES = {
  'application/zip': 'zip',
  'application/x-tar': 'tar',
  'application/gzip': 'tar.gz',
  'application/x-gzip': 'tar.gz',
} as const;
export type ArchiveFormat = (typeof ARCHIVE_TYPES)[keyof typeof ARCHIVE_TYPES];

/** Uploaded dataset ids are UUID v4 (never a built-in name). */
export const datasetIdSchema = z.uuid({ version: 'v4' });

/** At most this many skipped files are listed with their reasons (skippedCount has them all). */
export const MAX_SKIPPED_LISTED = 100;

export interface DatasetRecord {
  id: string;
  project: string;
  name: string;
  status: DatasetStatus;
  /** Why processing failed (status failed). */
  error: string | null;
  /** [height, width, channels] the images are converted to. */
  shape: [number, number, number];
  /** Images in the dataset (0 until ready). */
  count: number;
  /**
   * Images decoded so far (`done`, each one kept or skipped) of those the archive holds (`total`), updated by the
   * processing worker a few times a second; null until the worker has read the archive's list of files.
   */
  progress: DatasetProgress | null;
  /** Class names sorted, with how many images each; empty: unlabelled. */
  classes: { name: string; count: number }[];
  /** Files not used, each with the reason (the first MAX_SKIPPED_LISTED). */
  skipped: { file: string; reason: string }[];
  skippedCount: number;
  /** Bytes of the archive as uploaded. */
  uploadBytes: number;
  /** Bytes of the packed dataset in the artifact store (0 until ready). */
  bytes: number;
  createdAt: string;
  finishedAt: string | null;
  createdBy: string;
}

/** How far a worker is with a dataset: images (or image files) decoded of the total. */
export interface DatasetProgress {
  done: number;
  total: number;
}

/** The worker writes progress to the record at most this often (and once more at the end). */
export const DATASET_PROGRESS_INTERVAL_MS = 250;

/** The processing queue's payload. */
export interface DatasetJobData {
  datasetId: string;
  format: ArchiveFormat;
}
