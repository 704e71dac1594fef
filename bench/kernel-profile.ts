// Time per kernel name per iteration (`npm run bench -- --profile`): wraps every registered kernel of a backend.
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  msPerIteration: number;
  callsPerIteration: number;
}

/**
 * Runs `iterations` calls of `step` with every kernel of `backendName` timed, and returns each kernel's own time
 * (time spent in kernels it calls directly is theirs), plus '(outside kernels)': the engine, autodiff and JS glue.
 * Adam's applyGradients is timed like a kernel too: the native provider updates in place there, without kernels.
 */
export function profileKernels(backendName: string, iterations: number, step: () => void): KernelTime[] {
  const totals = new Map<string, { ms: number; calls: number }>();
  let childTime = 0;
  const timed = <F extends (...args: never[]) => unknown>(name: string, inner: F): F =>
    ((...args: Parameters<F>) => {
      const outerChildren = childTime;
      childTime = 0;
      const start = performance.now();
      try {
        return inner(...args);
      } finally {
        const elapsed = performance.now() - start;
        const entry = totals.get(name) ?? { ms: 0, calls: 0 };
        entry.ms += elapsed - childTime;
        entry.calls++;
        totals.set(name, entry);
        childTime = outerChildren + elapsed;
      }
    }) as F;
  const configs = tf.getKernelsForBackend(backendName);
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: timed(config.kernelName, config.kernelFunc) });
  }
  const adam = tf.AdamOptimizer.prototype as unknown as { applyGradients: (...args: never[]) => void };
  const applyGradients = adam.applyGradients;
  adam.applyGradients = function (this: unknown, ...args: never[]) {
    return timed('(Adam applyGradients, own time)', (...a: never[]) => applyGradients.apply(this, a))(...args);
  };
  const start = performance.now();
  try {
    for (let i = 0; i < iterations; i++) step();
  } finally {
    adam.applyGradients = applyGradients;
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  }
  const total = performance.now() - start;
  const rows = [...totals].map(([kernel, t]) => ({ kernel, msPerIteration: t.ms / iterations, callsPerIteration: t.calls / iterations }));
  const inKernels = rows.reduce((sum, r) => sum + r.msPerIteration, 0);
  rows.push({ kernel: '(outside kernels)', msPerIteration: total / iterations - inKernels, callsPerIteration: 0 });
  return rows.sort((a, b) => b.msPerIteration - a.msPerIteration);
}

export function formatProfile(label: string, rows: KernelTime[], top = 15): string {
  const total = rows.reduce((s, r) => s + r.msPerIteration, 0);
  const lines = [`profile ${label}: ${total.toFixed(1)} ms/iteration`, '| kernel | ms/it | % | calls/it |', '| --- | --- | --- | --- |'];
  for (const r of rows.slice(0, top)) {
    const share = ((100 * r.msPerIteration) / total).toFixed(1);
    lines.push(`| ${r.kernel} | ${r.msPerIteration.toFixed(2)} | ${share} | ${r.callsPerIteration ? r.callsPerIteration.toFixed(0) : '-'} |`);
  }
  return lines.join('\n');
}
