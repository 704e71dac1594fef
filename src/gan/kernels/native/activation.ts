// The fused activations the native kernels apply after a product, by tfjs' names; others go to the kernel below.
export const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

/** The addon's code for a fused activation, or undefined (prelu, unknown). */
export function activationCode(name: string | undefined): number | undefined {
  return ACTIVATIONS[name ?? 'linear'];
}
