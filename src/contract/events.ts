// The payload of each event on a job's event stream (and over SSE): one zod schema per event name, checked on write.
import { z } from 'zod';
import { JOB_STATUSES, type JobEventName } from './job.js';
import { qualityPointSchema } from './quality.js';

const iteration = z.number().int().min(0);
const timestamp = z.iso.datetime();

export const jobEventSchemas = {
  progress: z.strictObject({
    iteration,
    iterations: z.number().int().min(1),
    itPerSec: z.number().nullable(),
    etaSeconds: z.number().nullable(),
  }),
  metrics: z.strictObject({
    /** Each point: the iteration and the model's metrics by name (dLoss, dAcc, gLoss for gan; see metricNames). */
    points: z.array(z.object({ iteration }).catchall(z.number())).min(1),
  }),
  sample: z.strictObject({ id: z.string().min(1), iteration, url: z.string().startsWith('/samples/'), createdAt: timestamp }),
  checkpoint: z.strictObject({ iteration, size: z.number().int().min(0), createdAt: timestamp }),
  /** A checkpoint's sample-quality score (contract/quality.ts), when its worker has scored it. */
  quality: qualityPointSchema,
  status: z.strictObject({
    status: z.enum(JOB_STATUSES),
    error: z.string().nullable(),
    /** On `running`: the checkpoint iteration the attempt resumed from, null for a fresh start. */
    resumedFrom: iteration.nullable().optional(),
  }),
} satisfies Record<JobEventName, z.ZodType>;

export type JobEventData = { [E in JobEventName]: z.infer<(typeof jobEventSchemas)[E]> };

/** One event as read back: its stream id, its name and its payload. */
export type JobEvent = { [E in JobEventName]: { id: string; event: E; data: JobEventData[E] } }[JobEventName];

const isEventName = (name: string): name is JobEventName => Object.hasOwn(jobEventSchemas, name);

/** An event received as text (SSE): its JSON payload checked against its schema; undefined when unknown or malformed. */
export function parseJobEvent(raw: { id?: string; event: string; data: string }): JobEvent | undefined {
  if (!isEventName(raw.event)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw.data);
  } catch {
    return undefined;
  }
  const parsed = jobEventSchemas[raw.event].safeParse(json);
  return parsed.success ? ({ id: raw.id ?? '', event: raw.event, data: parsed.data } as JobEvent) : undefined;
}
