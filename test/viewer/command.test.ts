/** `dal view` as a user runs it: the URL printed, a busy port refused with exit code 2, a non-loopback host warned. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dal, startDal, waitFor } from '../cli/dal.ts';
import { rawGet } from './http.ts';
import { writeRun } from './fixtures.ts';

const root = fs.mkdtempSync(join(tmpdir(), 'dal-view-cmd-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('dal view', () => {
  it('prints the URL (--port 0: a free port), serves the runs, and stops on Ctrl-C with exit code 0', async () => {
    await writeRun(join(root, 'r1'));
    const p = startDal(['view', root, '--port', '0']);
    let out = '';
    p.child.stdout!.on('data', (d) => (out += d));
    await waitFor(() => /open http:\/\/127\.0\.0\.1:\d+\//.test(out), 'the URL', { child: p });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    expect(port).toBeGreaterThan(0);
    expect(out).toContain('1 run under');
    const r = await rawGet(port, '/api/runs');
    expect(JSON.parse(r.body.toString()).runs.map((x: { id: string }) => x.id)).toEqual(['r1']);
    p.child.kill('SIGINT');
    expect((await p.done).code).toBe(0);
  });

  it('names a port in use and suggests --port, exit code 2', async () => {
    const busy = net.createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', () => ok()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await dal(['view', root, '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port}`);
      expect(r.stderr).toContain('--port');
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      busy.close();
    }
  });

  it('warns when asked to listen beyond loopback; refuses a path that is not a directory', async () => {
    const p = startDal(['view', root, '--port', '0', '--host', '0.0.0.0']);
    let err = '';
    p.child.stderr!.on('data', (d) => (err += d));
    await waitFor(() => err.includes('WARNING'), 'the warning', { child: p });
    expect(err).toMatch(/WARNING: listening on 0\.0\.0\.0, not loopback/);
    p.child.kill('SIGINT');
    await p.done;
    const r = await dal(['view', join(root, 'missing')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a directory');
  });
});
