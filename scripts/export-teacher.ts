/**
 * Exports a teacher run's EMA weights (its latest training checkpoint) as a model directory:
 *
 *   npx tsx scripts/export-teacher.ts training/mnist-unet checkpoints/mnist-unet
 *
 * then measure it and record the figures in its manifest: `dal eval checkpoints/mnist-unet --write`.
 */
import { setupBackend } from '../src/cli/backend.ts';
import { DalError } from '../src/core/errors.ts';
import { exportTeacherRun } from '../src/teacher/export.ts';

const [runDir, outDir] = process.argv.slice(2);
if (!runDir || !outDir) {
  console.error('usage: npx tsx scripts/export-teacher.ts RUN_DIR OUT_DIR');
  process.exit(2);
}
try {
  await setupBackend();
  const m = await exportTeacherRun(runDir, outDir);
  console.log(
    `exported ${runDir} → ${outDir}: ${m.parameters.toLocaleString('en-US')} parameters, ${m.training.steps} steps, ` +
      `${(m.training.seconds / 3600).toFixed(2)} h of training, ${m.files[0].bytes} bytes`,
  );
} catch (e) {
  if (!(e instanceof DalError)) throw e;
  console.error(`export-teacher: ${e.message}`);
  process.exit(e.exitCode);
}
