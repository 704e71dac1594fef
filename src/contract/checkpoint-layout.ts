// The files of one checkpoint: what the engine writes and the worker, the API, the archives and both CLIs read.
export const CHECKPOINT_FORMAT = 'ganforge.checkpoint/1';

/** Written last by every sink (store, run directory, archive): its presence marks a whole checkpoint. */
export const STATE_FILE = 'state.json';
/** Both Adam optimizers' variables: the manifest and the bytes. */
export const OPTIMIZERS_FILES = { manifest: 'optimizers.json', data: 'optimizers.bin' } as const;

/** A network in the TensorFlow.js layers format: `<network>/model.json` + `<network>/weights.bin`. */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const modelFiles = (network: string) => ({ model: `${network}/${MODEL_FILE}`, weights: `${network}/${WEIGHTS_FILE}` });

/** What `tf.loadLayersModel` of a job's generator reads. */
export const GENERATOR_FILES = modelFiles('generator');

/** Orders a checkpoint's file names so that state.json comes last, whatever the rest. */
export const stateLast = (a: string, b: string): number => Number(a === STATE_FILE) - Number(b === STATE_FILE);
