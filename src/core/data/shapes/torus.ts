/**
 * Exact ray–torus intersection (torus in the xz plane, centred at the origin, major radius R, tube radius r).
 *
 * The torus is the zero set of the quartic f(p) = (|p|² + R² − r²)² − 4R²(x² + z²) (f < 0 inside). Along a unit ray
 * p(s) = q + s·d, started at q where the ray enters the torus's bounding region (sphere of radius R + r ∩ slab |y| ≤ r),
 * f(s) is a monic quartic in s on a short interval [0, L]. Its derivative is a cubic, solved in closed form (Cardano /
 * trigonometric), whose real roots split [0, L] into intervals where f is monotone; the first interval on which f
 * changes sign holds the first hit, which a safeguarded Newton–bisection iteration finds to ~1e-10. No step size or
 * iteration cap can miss a grazing hit, unlike sphere tracing.
 */

/** Major radius and tube radius of the dataset's torus (DESIGN.md). */
export const TORUS_R = 0.4;
export const TORUS_TUBE = 0.15;

const R = TORUS_R;
const TUBE = TORUS_TUBE;
const K = R * R - TUBE * TUBE;
const FOUR_R2 = 4 * R * R;
const BOUND = R + TUBE;

const crit = new Float64Array(5);

/**
 * Distance along the unit ray (o, d) to the first torus hit, or Infinity; writes the outward unit normal to
 * `normal[0..2]` on a hit.
 */
export function intersectTorus(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, normal: Float64Array): number {
  // Bounding sphere |p| ≤ R + r.
  const b0 = ox * dx + oy * dy + oz * dz;
  const c0 = ox * ox + oy * oy + oz * oz - BOUND * BOUND;
  const disc0 = b0 * b0 - c0;
  if (disc0 <= 0) return Infinity;
  const h0 = Math.sqrt(disc0);
  let t0 = -b0 - h0;
  let t1 = -b0 + h0;
  // Slab |y| ≤ r.
  if (Math.abs(dy) < 1e-12) {
    if (Math.abs(oy) > TUBE) return Infinity;
  } else {
    let ya = (-TUBE - oy) / dy;
    let yb = (TUBE - oy) / dy;
    if (ya > yb) {
      const tmp = ya;
      ya = yb;
      yb = tmp;
    }
    if (ya > t0) t0 = ya;
    if (yb < t1) t1 = yb;
  }
  if (t0 < 0) t0 = 0;
  if (t1 <= t0) return Infinity;

  // f(s) = s⁴ + a3 s³ + a2 s² + a1 s + a0 for p = q + s d, q = o + t0 d.
  const qx = ox + t0 * dx;
  const qy = oy + t0 * dy;
  const qz = oz + t0 * dz;
  const b = qx * dx + qy * dy + qz * dz;
  const c = qx * qx + qy * qy + qz * qz + K;
  const ah = dx * dx + dz * dz;
  const bh = qx * dx + qz * dz;
  const ch = qx * qx + qz * qz;
  const a3 = 4 * b;
  const a2 = 4 * b * b + 2 * c - FOUR_R2 * ah;
  const a1 = 4 * b * c - 2 * FOUR_R2 * bh;
  const a0 = c * c - FOUR_R2 * ch;
  const L = t1 - t0;

  // Critical points: roots of f'(s)/4 = s³ + (3/4)a3 s² + (a2/2) s + a1/4 inside (0, L), sorted.
  let nc = 0;
  crit[nc++] = 0;
  nc = cubicRootsIn(0.75 * a3, 0.5 * a2, 0.25 * a1, L, nc);
  crit[nc++] = L;

  let sl = crit[0];
  let fl = quartic(sl, a3, a2, a1, a0);
  if (fl <= 0) return finish(ox, oy, oz, dx, dy, dz, t0, normal); // enters the torus at the region boundary
  for (let i = 1; i < nc; i++) {
    const sr = crit[i];
    const fr = quartic(sr, a3, a2, a1, a0);
    if (fr <= 0) {
      const s = refineRoot(sl, sr, a3, a2, a1, a0);
      return finish(ox, oy, oz, dx, dy, dz, t0 + s, normal);
    }
    sl = sr;
    fl = fr;
  }
  return Infinity;
}

/** Whether p is inside (or on) the torus. */
export function insideTorus(x: number, y: number, z: number): boolean {
  const rho = Math.sqrt(x * x + z * z) - R;
  return rho * rho + y * y <= TUBE * TUBE;
}

function finish(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, t: number, normal: Float64Array): number {
  const px = ox + t * dx;
  const py = oy + t * dy;
  const pz = oz + t * dz;
  // ∇f/4 = (|p|² + K)·p − 2R²·(x, 0, z).
  const g = px * px + py * py + pz * pz + K;
  const nx = g * px - 2 * R * R * px;
  const ny = g * py;
  const nz = g * pz - 2 * R * R * pz;
  const n = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
  normal[0] = nx / n;
  normal[1] = ny / n;
  normal[2] = nz / n;
  return t;
}

function quartic(s: number, a3: number, a2: number, a1: number, a0: number): number {
  return (((s + a3) * s + a2) * s + a1) * s + a0;
}

/** Root of the quartic in [lo, hi] where f(lo) > 0 ≥ f(hi) and f is monotone: Newton steps kept inside a bracket. */
function refineRoot(lo: number, hi: number, a3: number, a2: number, a1: number, a0: number): number {
  // Regula falsi start, then Newton steps that must stay inside the shrinking bracket (else bisect).
  const flo = quartic(lo, a3, a2, a1, a0);
  const fhi = quartic(hi, a3, a2, a1, a0);
  let s = flo - fhi > 0 ? lo + (hi - lo) * (flo / (flo - fhi)) : 0.5 * (lo + hi);
  for (let it = 0; it < 60; it++) {
    const f = quartic(s, a3, a2, a1, a0);
    if (f > 0) lo = s;
    else hi = s;
    const df = ((4 * s + 3 * a3) * s + 2 * a2) * s + a1;
    let next = df !== 0 ? s - f / df : 0.5 * (lo + hi);
    if (!(next >= lo && next <= hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - s) < 1e-10 || hi - lo < 1e-10) return next;
    s = next;
  }
  return s;
}

/**
 * Real roots of s³ + A s² + B s + C in (0, L), appended to `crit` from index `nc` in increasing order.
 * @returns the new count
 */
function cubicRootsIn(A: number, B: number, C: number, L: number, nc: number): number {
  // Depressed cubic u³ + p u + q with s = u − A/3.
  const shift = A / 3;
  const p = B - A * shift;
  const q = ((2 * A * A * A) / 27 - (A * B) / 3) + C;
  let r0 = NaN;
  let r1 = NaN;
  let r2 = NaN;
  if (Math.abs(p) < 1e-14) {
    r0 = Math.cbrt(-q) - shift;
  } else {
    const disc = (q * q) / 4 + (p * p * p) / 27;
    if (disc > 0) {
      const sq = Math.sqrt(disc);
      r0 = Math.cbrt(-q / 2 + sq) + Math.cbrt(-q / 2 - sq) - shift;
    } else {
      // Three real roots (p < 0): u_k = 2√(−p/3)·cos(φ/3 − 2πk/3), already in increasing order below.
      const m = 2 * Math.sqrt(-p / 3);
      const arg = Math.max(-1, Math.min(1, (3 * q) / (p * m)));
      const phi = Math.acos(arg) / 3;
      r0 = m * Math.cos(phi + (2 * Math.PI) / 3) - shift; // cos(φ/3 − 4π/3) = cos(φ/3 + 2π/3), the smallest
      r1 = m * Math.cos(phi - (2 * Math.PI) / 3) - shift;
      r2 = m * Math.cos(phi) - shift;
    }
  }
  if (r0 > 0 && r0 < L) crit[nc++] = r0;
  if (r1 > 0 && r1 < L) crit[nc++] = r1;
  if (r2 > 0 && r2 < L) crit[nc++] = r2;
  return nc;
}
