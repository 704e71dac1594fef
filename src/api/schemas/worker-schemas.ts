// Zod schemas of the operations resources: the live workers (GET /workers) and the Prometheus text (GET /metrics).
import { z } from 'zod';

const isoDate = z.iso.datetime();

export const workerSchema = z
  .object({
    id: z.string().describe('hostname:pid:random, also the BullMQ worker name'),
    hostname: z.string(),
    pid: z.number().int(),
    backend: z.object({
      name: z.string().describe("TensorFlow.js backend with its native kernel provider, if any: 'tensorflow', 'wasm+onednn', 'wasm+openblas', 'wasm' or 'cpu'"),
      provider: z.string().describe('The package that provides it, e.g. @tensorflow/tfjs-node-gpu'),
    }),
    gpu: z
      .object({
        index: z.number().int().min(0).describe("nvidia-smi's index on its host"),
        uuid: z.string().describe('Globally unique; the worker sets CUDA_VISIBLE_DEVICES to it'),
        name: z.string().describe('e.g. NVIDIA A100-SXM4-40GB'),
      })
      .nullable()
      .describe(
        'The GPU it claimed (GANFORGE_GPU); workers with the same uuid share a GPU. null: none claimed (GANFORGE_GPU=all or none, no GPU found, or a backend that uses none)',
      ),
    job: z
      .object({
        id: z.string(),
        iteration: z.number().int().min(0),
        itPerSec: z.number().nullable().describe('Recent training speed; null before the first report'),
      })
      .nullable()
      .describe('The job it trains now; null when idle'),
    startedAt: isoDate.describe('When the worker process started'),
    lastSeenAt: isoDate.describe('Its last heartbeat (every 5 s; a worker silent for 30 s is dropped)'),
  })
  .meta({ id: 'Worker' });

export const workerListSchema = z.object({ workers: z.array(workerSchema) }).meta({ id: 'WorkerList' });

export const prometheusTextSchema = z.string().describe('Prometheus text exposition format 0.0.4');
