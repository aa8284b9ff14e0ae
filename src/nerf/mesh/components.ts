/**
 * Connected components of a mesh (faces joined through shared vertices), and the removal of small ones — the
 * "floaters" a NeRF leaves in empty space, which a viewer would otherwise show as specks around the object.
 */
import type { Mesh } from './mesh.ts';

/** Union–find root with path halving. */
function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/**
 * Labels each face with its connected component, largest component first.
 * @returns per-face labels [F] and the faces per component, in decreasing order
 */
export function faceComponents(mesh: Mesh): { labels: Int32Array; sizes: number[] } {
  const nv = mesh.positions.length / 3;
  const parent = Int32Array.from({ length: nv }, (_, i) => i);
  const { indices } = mesh;
  for (let t = 0; t < indices.length; t += 3) {
    const a = find(parent, indices[t]);
    const b = find(parent, indices[t + 1]);
    const c = find(parent, indices[t + 2]);
    parent[b] = a;
    parent[find(parent, c)] = a;
  }
  const faces = indices.length / 3;
  const rootCount = new Map<number, number>();
  const roots = new Int32Array(faces);
  for (let f = 0; f < faces; f++) {
    const r = find(parent, indices[3 * f]);
    roots[f] = r;
    rootCount.set(r, (rootCount.get(r) ?? 0) + 1);
  }
  const order = [...rootCount.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
  const label = new Map(order.map(([r], i) => [r, i]));
  return { labels: Int32Array.from(roots, (r) => label.get(r)!), sizes: order.map(([, n]) => n) };
}

/**
 * Keeps the components with at least `minFraction` of the largest component's faces (the largest always stays),
 * dropping unused vertices and renumbering the rest in their original order.
 * @returns the kept mesh and the map from kept vertex to original vertex (for per-vertex data such as colours)
 */
export function removeSmallComponents(mesh: Mesh, minFraction: number): { mesh: Mesh; vertexMap: Uint32Array } {
  if (!(minFraction >= 0 && minFraction <= 1)) throw new RangeError(`minFraction must be in [0, 1], got ${minFraction}`);
  const { labels, sizes } = faceComponents(mesh);
  const keep = sizes.map((n, i) => i === 0 || n >= minFraction * sizes[0]);
  const nv = mesh.positions.length / 3;
  const used = new Uint8Array(nv);
  for (let f = 0; f < labels.length; f++) {
    if (!keep[labels[f]]) continue;
    for (let k = 0; k < 3; k++) used[mesh.indices[3 * f + k]] = 1;
  }
  const newIndex = new Int32Array(nv).fill(-1);
  const vertexMap: number[] = [];
  for (let v = 0; v < nv; v++) if (used[v]) newIndex[v] = vertexMap.push(v) - 1;
  const positions = new Float32Array(3 * vertexMap.length);
  vertexMap.forEach((v, i) => positions.set(mesh.positions.subarray(3 * v, 3 * v + 3), 3 * i));
  const indices: number[] = [];
  for (let f = 0; f < labels.length; f++) {
    if (keep[labels[f]]) for (let k = 0; k < 3; k++) indices.push(newIndex[mesh.indices[3 * f + k]]);
  }
  return { mesh: { positions, indices: Uint32Array.from(indices) }, vertexMap: Uint32Array.from(vertexMap) };
}
