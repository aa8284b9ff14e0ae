/**
 * Mesh extraction and export for the NeRF: a density grid, marching cubes, mesh checks, PLY / glTF files, occupancy
 * IoU against the shapes data's primitives, and the run's export (`exportMesh`).
 */
export { densityGrid, SCENE_BOUNDS, gridSpacing, samplePosition, type Bounds, type DensityFn, type DensityGrid, type DensityGridOptions, type Vec3 } from './grid.ts';
export { marchingCubes } from './marching-cubes.ts';
export { faceComponents, removeSmallComponents } from './components.ts';
export { edgeDefects, isClosedAndOriented, meshArea, meshCounts, meshVolume, vertexNormals, type EdgeDefects, type Mesh } from './mesh.ts';
export { decodePly, encodePly, type ColoredMesh } from './ply.ts';
export { decodeGlb, encodeGlb, linearToSrgb, srgbToLinear, type DecodedGlb } from './glb.ts';
export { iouAgainstAll, occupancyIoU, shapeIndex, type IouOptions } from './iou.ts';
export { exportMesh, vertexColors, type ExportMeshOptions, type MeshExport, type MeshField } from './export.ts';
