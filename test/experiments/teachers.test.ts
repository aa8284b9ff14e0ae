/** The teachers table's pure parts: the results file (merge, skip, fingerprints), the cost model, markdown rendering. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DalError } from '../../src/core/errors.ts';
import { TableProgress } from '../../experiments/teachers/progress.ts';
import { className, pickCell, renderCost, renderSampleSizes, renderMarkdown, renderTable, type TableLayout, type TeacherInfo } from '../../experiments/teachers/render.ts';
import { readPartial, removePartial, writePartial } from '../../experiments/teachers/partial.ts';
import {
  cellCost,
  cellId,
  chunkFor,
  emptyResults,
  parseSettings,
  pendingCells,
  readResults,
  secondsPerEval,
  teacherFingerprint,
  upsertCell,
  writeResults,
  type CellKey,
  type CellResult,
} from '../../experiments/teachers/results.ts';
import { lossBuckets } from '../../experiments/teachers/training-curve.ts';

const FP = { checkpoint: 'step744-aaa', classifier: 'ccc' };
const REAL_FP = { checkpoint: 'data', classifier: 'ccc' };
const key = (o: Partial<CellKey> = {}): CellKey => ({ teacher: 'mnist-unet', sampler: 'ddim', steps: 50, cfg: 3, n: 100, seed: 0, ...o });
const cell = (k: CellKey, o: Partial<CellResult> = {}): CellResult => ({
  ...k,
  ...(k.sampler === 'real' ? REAL_FP : FP),
  metrics: { accuracy: 0.9, knn_accuracy: 0.95, min_class_accuracy: 0.5, worst_class: 7, fid: 3.14159, precision: 0.8, recall: 0.7 },
  seconds: 12.4,
  sampleSeconds: 10,
  scoreSeconds: 2.4,
  cpuSeconds: 20.2,
  backend: 'native',
  grid: k.sampler === 'real' ? undefined : `grids/${cellId(k).replaceAll('/', '-')}.png`,
  finishedAt: '2026-11-30T00:00:00.000Z',
  ...o,
});

const dir = mkdtempSync(join(tmpdir(), 'dal-teachers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('teachers results file', () => {
  it('names cells by every part of the key', () => {
    expect(cellId(key())).toBe('mnist-unet/ddim50/cfg3/n100/seed0');
    expect(cellId(key({ sampler: 'real', steps: 0, cfg: 0, n: 20 }))).toBe('mnist-unet/real/cfg0/n20/seed0');
  });

  it('skips computed cells, recomputes them with --force or when a checkpoint changed', () => {
    const plan = [key({ cfg: 0 }), key({ cfg: 1 }), key({ cfg: 3 })];
    const r = upsertCell(emptyResults(), cell(key({ cfg: 1 })));
    expect(pendingCells(plan, r, () => FP).map((k) => k.cfg)).toEqual([0, 3]);
    expect(pendingCells(plan, r, () => FP, true).map((k) => k.cfg)).toEqual([0, 1, 3]);
    expect(pendingCells(plan, r, () => ({ ...FP, checkpoint: 'step4000-bbb' })).map((k) => k.cfg)).toEqual([0, 1, 3]);
    expect(pendingCells(plan, r, () => ({ ...FP, classifier: 'new' })).map((k) => k.cfg)).toEqual([0, 1, 3]);
    // another n or seed is another cell
    expect(pendingCells([key({ cfg: 1, n: 1000 }), key({ cfg: 1, seed: 1 })], r, () => FP)).toHaveLength(2);
  });

  it('replaces a recomputed cell and keeps cells of other checkpoints', () => {
    let r = upsertCell(emptyResults(), cell(key(), { seconds: 1 }));
    r = upsertCell(r, cell(key(), { checkpoint: 'step4000-bbb', seconds: 2 }));
    r = upsertCell(r, cell(key(), { seconds: 3 }));
    expect(r.cells.map((c) => [c.checkpoint, c.seconds])).toEqual([
      ['step4000-bbb', 2],
      ['step744-aaa', 3],
    ]);
  });

  it('round-trips through the file, reads a missing file as empty, refuses a damaged one naming it', () => {
    const path = join(dir, 'sub', 'results.json');
    expect(readResults(path)).toEqual(emptyResults());
    const r = upsertCell(emptyResults(), cell(key()));
    writeResults(path, r);
    expect(readResults(path)).toEqual(r);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"version": 1, "cells": [');
    expect(() => readResults(bad)).toThrow(DalError);
    expect(() => readResults(bad)).toThrow(bad);
    writeFileSync(bad, '{"cells": {}}');
    expect(() => readResults(bad)).toThrow(/not a teachers results file/);
  });

  it('fingerprints a checkpoint by its steps and weight hashes', () => {
    const a = teacherFingerprint({ training: { steps: 744 }, files: [{ sha256: 'ab' }] });
    expect(a).toMatch(/^step744-[0-9a-f]{12}$/);
    expect(teacherFingerprint({ training: { steps: 744 }, files: [{ sha256: 'ac' }] })).not.toBe(a);
  });

  it('costs a cell n · steps U-Net evaluations, twice for CFG ∉ {0, 1}; Heun 2·steps − 1', () => {
    expect(cellCost(key({ cfg: 0 }))).toBe(5000);
    expect(cellCost(key({ cfg: 1 }))).toBe(5000);
    expect(cellCost(key({ cfg: 3 }))).toBe(10000);
    expect(cellCost(key({ sampler: 'ddpm', steps: 1000, n: 10, cfg: 1.5 }))).toBe(20000);
    expect(cellCost(key({ sampler: 'heun', steps: 10, cfg: 0 }))).toBe(1900);
    expect(cellCost(key({ sampler: 'real', steps: 0 }))).toBe(0);
  });

  it('chunks a cell into ≤ 25,000 evaluations, 10 to 250 samples', () => {
    expect(chunkFor(key({ sampler: 'ddpm', steps: 1000, cfg: 3 }))).toBe(12); // 2,000 evaluations per sample
    expect(chunkFor(key({ sampler: 'ddpm', steps: 1000, cfg: 0 }))).toBe(25);
    expect(chunkFor(key({ steps: 50, cfg: 3 }))).toBe(250);
    expect(chunkFor(key({ steps: 5000, cfg: 3 }))).toBe(10);
  });

  it('stores a partial cell and reads it back only for the same checkpoints and chunk size', () => {
    const pdir = join(dir, 'partial');
    const k = key({ sampler: 'ddpm', steps: 1000 });
    const state = { done: 2, images: Float32Array.from([0.25, 0.5, 0.75, 1]), rng: [1, 2, 3, 4] as [number, number, number, number] };
    writePartial(pdir, k, FP, 12, { state, sampleSeconds: 3, cpuSeconds: 5 });
    expect(readPartial(pdir, k, FP, 12)).toEqual({ state, sampleSeconds: 3, cpuSeconds: 5 });
    expect(readPartial(pdir, k, FP, 25)).toBeUndefined();
    expect(readPartial(pdir, k, { ...FP, checkpoint: 'other' }, 12)).toBeUndefined();
    expect(readPartial(pdir, key({ sampler: 'ddpm', steps: 1000, n: 200 }), FP, 12)).toBeUndefined();
    removePartial(pdir, k);
    expect(readPartial(pdir, k, FP, 12)).toBeUndefined();
  });

  it('estimates seconds per evaluation as the median over timed cells', () => {
    let r = emptyResults();
    r = upsertCell(r, cell(key({ cfg: 0 }), { sampleSeconds: 5 })); // 1 ms per evaluation
    r = upsertCell(r, cell(key({ cfg: 3 }), { sampleSeconds: 30 })); // 3 ms
    r = upsertCell(r, cell(key({ cfg: 1 }), { sampleSeconds: 10 })); // 2 ms
    r = upsertCell(r, cell(key({ sampler: 'real', steps: 0 }), { sampleSeconds: 100 }));
    expect(secondsPerEval(r)).toBeCloseTo(0.002, 12);
    expect(secondsPerEval(emptyResults())).toBeUndefined();
  });

  it('parses settings and rejects malformed ones', () => {
    expect(parseSettings('ddim10, ddpm1000,heun5')).toEqual([
      ['ddim', 10],
      ['ddpm', 1000],
      ['heun', 5],
    ]);
    expect(() => parseSettings('ddim')).toThrow(/--settings: .*"ddim"/);
    expect(() => parseSettings('euler10')).toThrow(DalError);
  });
});

describe('teachers markdown', () => {
  const layout: TableLayout = { settings: [['ddim', 50], ['ddpm', 1000]], scales: [0, 3], n: 100, ddpmN: 10, seed: 0 };
  const info: TeacherInfo = {
    teacher: 'mnist-unet',
    model: { dir: 'checkpoints/mnist-unet', kind: 'mnist', description: 'a U-Net', trainingSteps: 744, trainingSeconds: 3600, fingerprints: FP, realFingerprints: REAL_FP },
    training: null,
  };

  it('shows computed cells with their n, pending ones as pending, and real-data rows at the n shown', () => {
    let r = upsertCell(emptyResults(), cell(key()));
    r = upsertCell(r, cell(key({ sampler: 'real', steps: 0, cfg: 0 }), { metrics: { accuracy: 1, knn_accuracy: 1, fid: 0.5, precision: 0.9, recall: 0.9 } }));
    r = upsertCell(r, cell(key({ sampler: 'real', steps: 0, cfg: 0, n: 10 }))); // no row at n = 10 is shown
    r = upsertCell(r, cell(key({ cfg: 0 }), { checkpoint: 'step1-old' })); // stale: another checkpoint
    const lines = renderTable(r, info, layout, 'teachers').split('\n');
    expect(lines).toHaveLength(2 + 4 + 1);
    expect(new Set(lines.map((l) => l.split('|').length)).size).toBe(1); // every row has the header's columns
    expect(lines[2]).toMatch(/^\| DDIM 50 \| 0 \| pending \(n = 100\) \|/);
    expect(lines[3]).toBe(
      '| DDIM 50 | 3 | 100 | 90.0% | 95.0% | 7: 50.0% | 3.14 | 0.800 | 0.700 | 12 / 20 | [png](teachers/grids/mnist-unet-ddim50-cfg3-n100-seed0.png) |',
    );
    expect(lines[4]).toMatch(/^\| DDPM 1000 \| 0 \| pending \(n = 10\) \|/);
    expect(lines[6]).toBe('| real data | – | 100 | 100.0% | 100.0% | – | 0.50 | 0.900 | 0.900 | 12 / 20 | – |');
  });

  it('shows the planned n when computed, else the largest n', () => {
    let r = upsertCell(emptyResults(), cell(key({ n: 20 })));
    r = upsertCell(r, cell(key({ n: 40 })));
    expect(pickCell(r, key({ n: 100 }), FP)?.n).toBe(40);
    r = upsertCell(r, cell(key({ n: 100 })));
    r = upsertCell(r, cell(key({ n: 1000 })));
    expect(pickCell(r, key({ n: 100 }), FP)?.n).toBe(100);
    expect(pickCell(r, key({ n: 100 }), { ...FP, checkpoint: 'x' })).toBeUndefined();
  });

  it('projects the full table from the CPU seconds per evaluation of the computed cells', () => {
    // 100·50·(1 + 2) DDIM + 10·1000·(1 + 2) DDPM = 45,000 evaluations; one cell of 10,000 in 20.2 s CPU: 2.02 ms each
    expect(renderCost(emptyResults(), 'mnist-unet', layout)).toBe('Cost of the full table at n = 100 (DDPM: 10): 45,000 U-Net evaluations.');
    expect(renderCost(upsertCell(emptyResults(), cell(key())), 'mnist-unet', layout)).toBe(
      'Cost of the full table at n = 100 (DDPM: 10): 45,000 U-Net evaluations; at 2.0 ms CPU per evaluation (median of the computed cells) ≈ 2 min of CPU, ≈ 1 min on 2 free cores.',
    );
  });

  it('states the standard error of accuracies at the planned n', () => {
    // √(0.95 · 0.05 / 100) = 2.18%, / 10 = 6.89%, / 4 = 10.90%
    expect(renderSampleSizes('mnist', layout)).toMatch(/^Standard error of an accuracy near 95% — n = 100: ±2\.2% overall, ±6\.9% per class \(10 samples each\); n = 10: ±6\.9% overall, ±21\.8% per class \(1 samples each\)\./);
    expect(renderSampleSizes('shapes', { ...layout, ddpmN: 100 })).toContain('n = 100: ±2.2% overall, ±10.9% per class (4 samples each).');
  });

  it('names shapes classes and lays out the shapes columns', () => {
    expect(className('shapes', 0)).toBe('red sphere');
    expect(className('shapes', 3 * 5 + 2)).toBe('blue cone');
    expect(className('mnist', 7)).toBe('7');
    const shapes: TeacherInfo = { ...info, teacher: 'shapes-unet', model: { ...info.model!, kind: 'shapes' } };
    const c = cell(key({ teacher: 'shapes-unet' }), { metrics: { accuracy: 0.5, accuracy_shape: 0.6, accuracy_color: 0.9, worst_class: 17, min_class_accuracy: 0.25, fid: 1, precision: 1, recall: 1 } });
    const row = renderTable(upsertCell(emptyResults(), c), shapes, layout, 'teachers').split('\n')[3];
    expect(row).toMatch(/^\| DDIM 50 \| 3 \| 100 \| 60\.0% \| 90\.0% \| 50\.0% \| blue cone: 25\.0% \| 1\.00 \|/);
  });

  it('renders the whole file with the command, a not-yet-shipped teacher and the cell count', () => {
    const md = renderMarkdown(upsertCell(emptyResults(), cell(key())), [info, { teacher: 'shapes-unet', training: null }], layout, {
      command: 'node --import tsx experiments/teachers.ts --n 100 --ddpm-n 10',
      resultsDir: 'teachers',
      resultsFile: 'experiments/teachers/results.json',
    });
    expect(md).toContain('    node --import tsx experiments/teachers.ts --n 100 --ddpm-n 10\n');
    expect(md).toContain('1 of 4 cells computed');
    expect(md).toContain('## shapes-unet\n\nNot shipped yet');
    expect(md).toContain('![mnist-unet DDIM 50 CFG 3](teachers/grids/mnist-unet-ddim50-cfg3-n100-seed0.png)');
  });
});

describe('teachers training curve and progress', () => {
  it('averages the loss over buckets of 100 steps', () => {
    const curve: [number, number][] = [
      [25, 1],
      [50, 0.5],
      [125, 0.2],
      [175, 0.4],
    ];
    expect(lossBuckets(curve, new Map([[50, 60], [175, 300]]))).toEqual([
      [25, 50, 0.75, 60],
      [125, 175, 0.30000000000000004, 300],
    ]);
  });

  it('counts a resumed cell\'s evaluations as done, but not towards the rate', () => {
    let out = '';
    const stream = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const p = new TableProgress({ totalUnits: 4000, cells: 2, priorSecondsPerUnit: 0.01, stream, tty: false });
    p.startCell(1, 'c', 2000, 1000);
    expect(out).toContain('[1/2] c: 2,000 U-Net evaluations (resumed: 1,000 done), about 10s\n');
    expect(out).toContain('[1/2] c: 50% ETA 10s | run 25% ETA 30s\n');
  });

  it('prints the cell and run ETAs from the prior rate before anything is timed', () => {
    let out = '';
    const stream = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const p = new TableProgress({ totalUnits: 3000, cells: 2, priorSecondsPerUnit: 0.01, stream, tty: false });
    p.startCell(1, 'mnist-unet DDIM 10 CFG 0 n=100', 1000);
    expect(out).toContain('[1/2] mnist-unet DDIM 10 CFG 0 n=100: 1,000 U-Net evaluations, about 10s\n');
    expect(out).toContain('[1/2] mnist-unet DDIM 10 CFG 0 n=100: 0% ETA 10s | run 0% ETA 30s\n');
    p.stop();
  });
});
