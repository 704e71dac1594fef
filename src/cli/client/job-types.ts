// The shapes the API answers with, typed from the API's own zod schemas (type-only imports: nothing of the API loads).
import type { z } from 'zod';
import type { checkpointListSchema, sampleListSchema } from '../../api/schemas/artifact-schemas.js';
import type { JobResource, jobListSchema } from '../../api/schemas/job-schemas.js';

export type { JobResource };
export type JobList = z.infer<typeof jobListSchema>;
export type SampleList = z.infer<typeof sampleListSchema>;
export type SampleView = SampleList['samples'][number];
export type CheckpointList = z.infer<typeof checkpointListSchema>;
