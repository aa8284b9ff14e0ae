/** `dal sample` and `dal eval` on teacher model directories, through the real CLI (tiny random-weight teachers). */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/core/io/npy.ts';
import { Rng } from '../../src/core/rng.ts';
import { cosineSchedule } from '../../src/core/diffusion/schedule.ts';
import { evaluatedGuidance, readModelManifest, saveDenoiser, updateModelMetrics } from '../../src/core/model/model-dir.ts';
import { UNetDenoiser } from '../../src/core/model/unet-denoiser.ts';
import { parseClip } from '../../src/cli/commands/sample.ts';
import { dal } from './dal.ts';

const unet = { channels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], groups: 4 };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dal-cli-teacher-'));
  const training = { steps: 0, seconds: 0 };
  const mnist = new UNetDenoiser({ unet: { ...unet, numClasses: 10 }, prompt: null }, cosineSchedule(), 'eps', new Rng(0));
  saveDenoiser(join(dir, 'mnist'), mnist, { data: { name: 'mnist', range: [-1, 1] }, training });
  // as `dal eval --write` records a first evaluation at CFG 3
  updateModelMetrics(join(dir, 'mnist'), { 'ddim50_cfg3/accuracy': 0.5 }, 3);
  const shapes = new UNetDenoiser({ unet: { ...unet, inChannels: 3, numClasses: 0 }, prompt: { dim: 8, maxLen: 12 } }, cosineSchedule(), 'eps', new Rng(1));
  saveDenoiser(join(dir, 'shapes'), shapes, { data: { name: 'shapes', range: [-1, 1] }, training, storage: 'float16' });
  const cam = new UNetDenoiser({ unet: { ...unet, inChannels: 3, numClasses: 0 }, prompt: { dim: 8, maxLen: 12 }, camera: true }, cosineSchedule(), 'eps', new Rng(2));
  saveDenoiser(join(dir, 'shapes-cam'), cam, { data: { name: 'shapes', range: [-1, 1] }, training });
  mnist.dispose();
  shapes.dispose();
  cam.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dal sample --clip', () => {
  it('parses "LO,HI" and "none", and refuses anything else naming the flag', () => {
    expect(parseClip('-1, 1')).toEqual([-1, 1]);
    expect(parseClip('none')).toBeUndefined();
    for (const bad of ['1,-1', '0', 'a,b', '0,1,2']) expect(() => parseClip(bad)).toThrow(/--clip: expected "LO,HI"/);
  });

  it('clips x̂₀ of ring8 (modes at radius 2) into the range: every sample inside [−1, 1]', async () => {
    const r = await dal(['sample', 'ring8', '--n', '64', '--steps', '5', '--clip=-1,1', '--out', join(dir, 'ring.npy')]);
    expect(r.code, r.stderr).toBe(0);
    const x = readNpy(join(dir, 'ring.npy'));
    expect(x.shape).toEqual([64, 2]);
    expect(Math.max(...Array.from(x.data, Math.abs))).toBeLessThanOrEqual(1 + 1e-5);
  });
});

describe('dal sample --camera', () => {
  it('conditions a camera-conditioned teacher on the camera, and refuses it for others or when malformed', async () => {
    const run = (name: string, extra: string[], model = 'shapes-cam') =>
      dal(['sample', join(dir, model), '--n', '2', '--prompt', 'a red cube', '--steps', '2', ...extra, '--out', join(dir, `${name}.npy`)]);
    const [face, edge, face2, plain, bad] = await Promise.all([
      run('cam-face', ['--camera', '0,15']),
      run('cam-edge', ['--camera', '45,15']),
      run('cam-face2', ['--camera', '360,15']),
      run('cam-plain', ['--camera', '0,15'], 'shapes'),
      run('cam-bad', ['--camera', '0,100']),
    ]);
    for (const r of [face, edge, face2]) expect(r.code, r.stderr).toBe(0);
    const bytes = (name: string) => readFileSync(join(dir, `${name}.npy`));
    expect(bytes('cam-face').equals(bytes('cam-edge'))).toBe(false);
    const [a, b] = [readNpy(join(dir, 'cam-face.npy')).data, readNpy(join(dir, 'cam-face2.npy')).data];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4); // azimuth 0° = 360°
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--camera: .*shapes is not conditioned on cameras/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--camera: expected "AZIMUTH,ELEVATION" .* given "0,100"/);
  });
});

describe('dal sample on a teacher checkpoint', () => {
  it('writes [N,32,32,1] images in [0, 1] and int32 labels for --label; [N,32,32,3] for --prompt', async () => {
    const [a, b] = await Promise.all([
      dal(['sample', join(dir, 'mnist'), '--n', '3', '--label', '7', '--steps', '2', '--guidance', '3', '--out', join(dir, 'x.npy')]),
      dal(['sample', join(dir, 'shapes'), '--n', '2', '--prompt', 'a blue sphere, front view', '--steps', '2', '--out', join(dir, 's.npy')]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const x = readNpy(join(dir, 'x.npy'));
    expect(x.shape).toEqual([3, 32, 32, 1]);
    expect(x.dtype).toBe('<f4');
    expect(Math.min(...x.data) >= 0 && Math.max(...x.data) <= 1).toBe(true);
    const labels = readNpy(join(dir, 'x.labels.npy'));
    expect(labels.dtype).toBe('<i4');
    expect(Array.from(labels.data)).toEqual([7, 7, 7]);
    const s = readNpy(join(dir, 's.npy'));
    expect(s.shape).toEqual([2, 32, 32, 3]);
    expect(Math.min(...s.data) >= 0 && Math.max(...s.data) <= 1).toBe(true);
    // the class the prompt names: sphere (shape 0) · 5 + blue (colour 2)
    const sLabels = readNpy(join(dir, 's.labels.npy'));
    expect(sLabels.dtype).toBe('<i4');
    expect(Array.from(sLabels.data)).toEqual([2, 2]);
    expect(JSON.parse(readFileSync(join(dir, 's.prompts.json'), 'utf8'))).toEqual(['a blue sphere, front view', 'a blue sphere, front view']);
    expect(b.stdout).toContain(`wrote ${join(dir, 's.npy')}, ${join(dir, 's.labels.npy')}, ${join(dir, 's.prompts.json')}`);
  });

  it('refuses a corrupted weight file, a label out of range and a prompt for a label model, with clear messages', async () => {
    const bad = join(dir, 'bad');
    const mnist = new UNetDenoiser({ unet: { ...unet, numClasses: 10 }, prompt: null }, cosineSchedule(), 'eps', new Rng(0));
    saveDenoiser(bad, mnist, { data: { name: 'mnist', range: [-1, 1] }, training: { steps: 0, seconds: 0 } });
    mnist.dispose();
    const bytes = readFileSync(join(bad, 'weights.bin'));
    bytes[10] ^= 0xff;
    writeFileSync(join(bad, 'weights.bin'), bytes);
    const [corrupt, label, prompt] = await Promise.all([
      dal(['sample', bad, '--n', '2', '--out', join(dir, 'b.npy')]),
      dal(['sample', join(dir, 'mnist'), '--n', '2', '--label', '10', '--out', join(dir, 'c.npy')]),
      dal(['sample', join(dir, 'mnist'), '--n', '2', '--prompt', 'a red cube', '--out', join(dir, 'd.npy')]),
    ]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain(`dal: corrupt model: ${join(bad, 'weights.bin')} does not match the SHA-256`);
    expect(corrupt.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/--label: expected an integer in 0\.\.9/);
    expect(prompt.code).toBe(2);
    expect(prompt.stderr).toMatch(/not conditioned on prompts/);
  });
});

describe('defaults a user gets without flags', () => {
  it("evaluatedGuidance: the manifest's guidance, else the one scale its metrics were measured at, else 1", () => {
    expect(evaluatedGuidance({ guidance: 2.5, metrics: { 'ddim50_cfg3/fid': 1 } })).toBe(2.5);
    expect(evaluatedGuidance({ metrics: { 'ddim50_cfg3/fid': 1, 'ddim50_cfg3/n': 10, 'ddim10_cfg3/fid': 2 } })).toBe(3);
    expect(evaluatedGuidance({ metrics: { 'ddim50_cfg3/fid': 1, 'ddim50_cfg1.5/fid': 2 } })).toBe(1);
    expect(evaluatedGuidance({ metrics: {} })).toBe(1);
    // the shipped teachers were evaluated at CFG 3
    for (const t of ['mnist-unet', 'shapes-unet']) expect(evaluatedGuidance(readModelManifest(join('checkpoints', t)))).toBe(3);
  });

  it("dal sample without --guidance samples at the manifest's guidance (same bytes as --guidance 3, not as 1)", async () => {
    const run = (name: string, g: string[]) =>
      dal(['sample', join(dir, 'mnist'), '--n', '2', '--label', '4', '--steps', '2', ...g, '--out', join(dir, `${name}.npy`)]);
    const [def, three, one] = await Promise.all([run('g-default', []), run('g3', ['--guidance', '3']), run('g1', ['--guidance', '1'])]);
    for (const r of [def, three, one]) expect(r.code, r.stderr).toBe(0);
    expect(def.stdout).toMatch(/guidance 3 \(default\)/);
    const bytes = (name: string) => readFileSync(join(dir, `${name}.npy`));
    expect(bytes('g-default').equals(bytes('g3'))).toBe(true);
    expect(bytes('g-default').equals(bytes('g1'))).toBe(false);
    const help = await dal(['sample', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--guidance .*default: the guidance a teacher checkpoint was evaluated at/);
  });

  it('refuses a prompt with a word outside the teacher\'s vocabulary, listing the known words (exit 2, nothing written)', async () => {
    const out = join(dir, 'pink.npy');
    const [shipped, tiny] = await Promise.all([
      dal(['sample', 'checkpoints/shapes-unet', '--n', '2', '--prompt', 'a pink dodecahedron', '--out', out]),
      dal(['sample', join(dir, 'shapes'), '--n', '2', '--prompt', 'a red cube, top view', '--steps', '1', '--out', out]),
    ]);
    expect(shipped.code).toBe(2);
    expect(shipped.stderr).toMatch(/--prompt \(for checkpoints\/shapes-unet\) "a pink dodecahedron": the words "pink", "dodecahedron" are not in/);
    expect(shipped.stderr).toMatch(/the known words are: a red green blue yellow purple sphere cube cylinder cone torus , front side back overhead view/);
    expect(shipped.stderr).not.toMatch(/\n\s+at /);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toMatch(/the word "top" is not in the model's vocabulary/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('dal eval', () => {
  it("scores a teacher at its manifest's guidance and --write records the figures under the setting", async () => {
    const ckpt = join(dir, 'mnist-eval');
    cpSync(join(dir, 'mnist'), ckpt, { recursive: true });
    const r = await dal(['eval', ckpt, '--n', '20', '--steps', '1', '--json', '--write']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    expect(out.guidance).toBe(3);
    expect(out.n).toBe(20);
    expect(out.accuracy).toBeGreaterThanOrEqual(0);
    expect(out.accuracy).toBeLessThanOrEqual(1);
    expect(Number.isFinite(out.fid)).toBe(true);
    const m = readModelManifest(ckpt);
    expect(m.metrics['ddim1_cfg3/accuracy']).toBe(out.accuracy);
    expect(m.metrics['ddim1_cfg3/fid']).toBe(out.fid);
    expect(m.metrics['ddim1_cfg3/n']).toBe(20);
    const help = await dal(['eval', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--guidance .*default: the guidance the teacher was evaluated at/);
  });
});
