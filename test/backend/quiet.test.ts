/** tfjs's Node greeting ("Hi, looks like you are running TensorFlow.js in Node.js …") is silenced (src/backend/quiet.ts). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../src/backend/index.ts';
import { NativeBackend } from '../../src/backend/native.ts';
import { nativeAvailable } from '../../src/backend/index.ts';
import { dal } from '../cli/dal.ts';

const GREETING = /looks like you are running TensorFlow\.js in Node\.js/;

describe('the tfjs Node greeting', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is not printed by a fresh cpu backend on its first write (nor by a native one)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const backends: MathBackendCPU[] = [new MathBackendCPU()];
    if (nativeAvailable()) backends.push(new NativeBackend());
    for (const b of backends) {
      b.write(new Float32Array([1, 2]), [2], 'float32');
      b.dispose();
    }
    expect(warn.mock.calls.map((c) => c.join(' '))).not.toContainEqual(expect.stringMatching(GREETING));
  });

  it('is not printed by the CLI on the cpu backend', async () => {
    const r = await dal(['sample', 'ring8', '--n', '4', '--steps', '2', '--backend', 'cpu', '--out', join(tmpdir(), `dal-quiet-${process.pid}.npy`)]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(GREETING);
    expect(r.stdout).not.toMatch(GREETING);
  });
});
