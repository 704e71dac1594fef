// Schemas of POST /jobs/{id}/checkpoints/{iteration}/score: its 202 body naming where the score will appear.
import { z } from 'zod';
import { SCORER_STATES } from '../../contract/quality.js';

export const scoreRequestSchema = z
  .object({
    jobId: z.string(),
    iteration: z.number().int().min(0),
    scorer: z.enum(SCORER_STATES).describe("The dataset's scorer when queued: ready (scored soon), pending or training (scored once it is ready)"),
    quality: z.string().describe('GET this for the job\'s points (the Location header too); a `quality` event follows on the job\'s stream'),
  })
  .meta({ id: 'ScoreRequest' });
