/**
 * The sliced Wasserstein-1 distance between two point clouds of equal size (Rabin et al. 2011; Bonneel et al. 2015):
 * the mean over random unit directions θ of the 1-D W₁ between the projections ⟨x, θ⟩, which for equal-size samples is
 * the mean absolute difference of the sorted projections.
 */
import type { Rng } from '../core/rng.ts';

/**
 * @param a [N·D] points, row-major
 * @param b [N·D] points (the same N)
 * @param dim D
 * @returns the mean over `projections` directions (drawn from `rng`, uniform on the sphere) of W₁ of the projections
 */
export function slicedWasserstein(a: Float32Array, b: Float32Array, dim: number, o: { projections: number; rng: Rng }): number {
  const n = a.length / dim;
  if (!Number.isInteger(n) || b.length !== a.length) throw new Error(`slicedWasserstein: need two [N, ${dim}] clouds of the same N; got ${a.length} and ${b.length} values`);
  const pa = new Float64Array(n);
  const pb = new Float64Array(n);
  let total = 0;
  for (let p = 0; p < o.projections; p++) {
    const theta = Array.from({ length: dim }, () => o.rng.normal());
    const norm = Math.hypot(...theta);
    for (let i = 0; i < n; i++) {
      let sa = 0;
      let sb = 0;
      for (let d = 0; d < dim; d++) {
        sa += a[i * dim + d] * theta[d];
        sb += b[i * dim + d] * theta[d];
      }
      pa[i] = sa / norm;
      pb[i] = sb / norm;
    }
    pa.sort();
    pb.sort();
    let w = 0;
    for (let i = 0; i < n; i++) w += Math.abs(pa[i] - pb[i]);
    total += w / n;
  }
  return total / o.projections;
}
