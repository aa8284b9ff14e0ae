/**
 * The viewer serves only files under its root and the allow-listed three.js / uPlot files: traversal in every
 * encoding, absolute paths, backslashes, symlinks out of the root and foreign Host headers are refused; every response
 * has a content type and nosniff; the server listens on loopback only by default.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewer, type Viewer } from '../../src/viewer/server.ts';
import { writeRun } from './fixtures.ts';
import { rawGet } from './http.ts';

const base = fs.mkdtempSync(join(tmpdir(), 'dal-view-sec-'));
const root = join(base, 'runs');
let viewer: Viewer;

beforeAll(async () => {
  await writeRun(join(root, 'a'), { mesh: [12, 8] });
  // Secrets next to the root (outside it), and links pointing at them from inside.
  fs.writeFileSync(join(base, 'secret.json'), '{"secret": true}\n');
  fs.writeFileSync(join(root, 'a', 'inside.json'), '{"inside": true}\n');
  fs.symlinkSync(join(base, 'secret.json'), join(root, 'a', 'link-out.json'));
  fs.symlinkSync(base, join(root, 'a', 'dir-out'));
  fs.symlinkSync(join(root, 'a', 'inside.json'), join(root, 'a', 'link-in.json'));
  viewer = await startViewer({ root, port: 0 });
});

afterAll(async () => {
  await viewer?.close();
  fs.rmSync(base, { recursive: true, force: true });
});

const get = (path: string, host?: string) => rawGet(viewer.port, path, host);

describe('dal view server security', () => {
  it('serves a run file, with its content type and nosniff', async () => {
    const r = await get('/files/a/inside.json');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(r.body.toString())).toEqual({ inside: true });
    const glb = await get('/files/a/mesh.glb');
    expect(glb.status).toBe(200);
    expect(glb.headers['content-type']).toBe('model/gltf-binary');
    expect(glb.body.subarray(0, 4).toString('latin1')).toBe('glTF');
  });

  it('follows a symlink that stays inside the root', async () => {
    const r = await get('/files/a/link-in.json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ inside: true });
  });

  const escapes = [
    '/files/../secret.json',
    '/files/a/../../secret.json',
    '/files/%2e%2e/secret.json',
    '/files/%2E%2E/secret.json',
    '/files/a/%2e%2e%2f%2e%2e%2fsecret.json',
    '/files/..%2fsecret.json',
    '/files/.%2e/secret.json',
    '/files/%252e%252e/secret.json',
    '/files/a/%252e%252e%252f%252e%252e%252fsecret.json',
    '/files/%25252e%25252e/secret.json',
    '/files/..\\secret.json',
    '/files/a\\..\\..\\secret.json',
    '/files/..%5csecret.json',
    '/files/..%255csecret.json',
    `/files/${base}/secret.json`,
    `/files/${encodeURIComponent(join(base, 'secret.json'))}`,
    '/files//etc/passwd',
    '/files/%2fetc%2fpasswd',
    '/files/C:/Windows/win.ini',
    '/files/a/link-out.json',
    '/files/a/dir-out/secret.json',
    '/files/a/inside.json%00.png',
    '/vendor/three/../../../package.json',
    '/vendor/three/%2e%2e/%2e%2e/package.json',
    '/vendor/three/package.json',
    '/vendor/uplot/../three/package.json',
    '/static/../server.ts',
    '/static/%2e%2e/server.ts',
  ];
  it.each(escapes)('refuses %s', async (path) => {
    const r = await get(path);
    expect([403, 404]).toContain(r.status);
    expect(r.body.toString()).not.toMatch(/secret|root:|"name"|import /);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses the dot-segment, encoded and symlink forms with 403 (not just a missing file)', async () => {
    for (const path of ['/files/%2e%2e/secret.json', '/files/%252e%252e/secret.json', '/files/..%5csecret.json', '/files//etc/passwd', '/files/a/link-out.json']) {
      expect((await get(path)).status, path).toBe(403);
    }
  });

  it('lists no directories and serves no checkpoints or event files', async () => {
    for (const path of ['/files/', '/files/a', '/files/a/', '/files/a/images', '/files/a/checkpoints/manifest.json', '/vendor/three/build/', '/static/']) {
      const r = await get(path);
      expect([403, 404], path).toContain(r.status);
    }
    const events = fs.readdirSync(join(root, 'a')).find((n) => n.startsWith('events.out.tfevents.'))!;
    expect((await get(`/files/a/${events}`)).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding) and accepts its own names', async () => {
    for (const host of ['evil.example', `evil.example:${viewer.port}`, `127.0.0.1.evil.example:${viewer.port}`, `localhost:${viewer.port + 1}`, '']) {
      const r = await get('/api/runs', host);
      expect(r.status, host).toBe(403);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    for (const host of [`127.0.0.1:${viewer.port}`, `localhost:${viewer.port}`, `LOCALHOST:${viewer.port}`]) {
      expect((await get('/api/runs', host)).status, host).toBe(200);
    }
  });

  it('gives every kind of response a content type and nosniff', async () => {
    const paths = ['/', '/static/app.js', '/static/style.css', '/vendor/three/build/three.module.js', '/vendor/three/examples/jsm/controls/OrbitControls.js', '/vendor/uplot/dist/uPlot.esm.js', '/vendor/uplot/dist/uPlot.min.css', '/api/runs', '/api/run?id=a', '/api/scalars?id=a', '/api/run?id=../a', '/nope'];
    const want: Record<string, RegExp> = {
      '/': /^text\/html/,
      '/static/app.js': /^text\/javascript/,
      '/static/style.css': /^text\/css/,
      '/vendor/three/build/three.module.js': /^text\/javascript/,
      '/vendor/uplot/dist/uPlot.min.css': /^text\/css/,
      '/api/runs': /^application\/json/,
      '/api/run?id=../a': /^text\/plain/,
      '/nope': /^text\/plain/,
    };
    for (const path of paths) {
      const r = await get(path);
      expect(r.headers['content-type'], path).toMatch(want[path] ?? /./);
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
    }
    expect((await get('/api/run?id=../a')).status).toBe(404);
  });

  it('listens on loopback only by default', async () => {
    expect(viewer.host).toBe('127.0.0.1');
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of others) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(viewer.port, address);
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      expect(refused, address).toBe(true);
    }
    // The same probe does reach a server asked to listen on every address.
    if (others.length) {
      const open = await startViewer({ root, port: 0, host: '0.0.0.0' });
      try {
        const r = await rawGet(open.port, '/api/runs', `${others[0]}:${open.port}`, others[0]);
        expect(r.status).toBe(200);
      } finally {
        await open.close();
      }
    }
  });

  it('names the port in use and suggests --port (exit code 2)', async () => {
    const err = await startViewer({ root, port: viewer.port }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DalError', exitCode: 2 });
    expect((err as Error).message).toContain(`port ${viewer.port}`);
    expect((err as Error).message).toContain('--port');
  });
});
