/**
 * The `dal view` server: the page, three.js and uPlot from node_modules, the files of the runs under one root, a
 * JSON API (run list, one run's files, its scalars) and a Server-Sent Events stream that tells the page what
 * changed.
 *
 * Security: loopback only unless another host is asked for; a request whose `Host` header is not one of the server's
 * own names and port is refused (DNS rebinding); paths go through `resolveUnder` (no traversal in any encoding, no
 * symlink out of the root, no directory listing, allow-listed file types); every response carries its content type,
 * `X-Content-Type-Options: nosniff` and a strict Content-Security-Policy; only GET and HEAD are served.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DalError } from '../core/errors.ts';
import { findRuns, Run, type RunSummary } from './runs.ts';
import { resolveUnder } from './safe-path.ts';
import { RunWatcher, type ChangeKind } from './watch.ts';

export interface ViewerOptions {
  /** A run directory or a directory of runs. */
  root: string;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 6060; 0 picks a free one). */
  port?: number;
}

export interface Viewer {
  url: string;
  host: string;
  port: number;
  /** Ids of the runs found (updated as runs appear). */
  runIds(): string[];
  close(): Promise<void>;
}

export const DEFAULT_PORT = 6060;
export const DEFAULT_HOST = '127.0.0.1';
const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const SSE_PING_MS = 20_000;

/** Whether `host` is a loopback address or name. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The root directory of an installed package (found from its main entry). */
function packageRoot(name: string): string {
  const req = createRequire(import.meta.url);
  let dir = dirname(req.resolve(name));
  while (!fs.existsSync(join(dir, 'package.json')) || JSON.parse(fs.readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the ${name} package directory`);
    dir = up;
  }
  return dir;
}

/** The `Host` header values this server answers to. */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const add = (h: string) => names.add(h.includes(':') ? `[${h}]` : h);
  if (host === '0.0.0.0' || host === '::') {
    add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address);
  } else add(host);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`.toLowerCase());
    if (port === 80) out.add(n.toLowerCase());
  }
  return out;
}

/** Starts the server; resolves once it listens and the watcher has scanned the root. */
export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const root = resolve(opts.root);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new DalError(`${opts.root} is not a directory: give a run directory (holding config.yaml) or a directory of runs`);
  }
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  const threeRoot = packageRoot('three');
  const uplotRoot = packageRoot('uplot');

  const page = fs.readFileSync(join(PAGE_DIR, 'index.html'), 'utf8');
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
  const importMapHash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${importMapHash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  // --- runs ---
  const runs = new Map<string, Run>();
  const rescan = () => {
    const ids = findRuns(root);
    for (const id of ids) if (!runs.has(id)) runs.set(id, new Run(root, id, id === '.' ? root : join(root, ...id.split('/'))));
    for (const id of [...runs.keys()]) if (!ids.includes(id)) runs.delete(id);
  };
  rescan();
  const runOf = (rel: string) => {
    if (runs.has('.')) return { id: '.', relInRun: rel };
    let best: string | undefined;
    for (const id of runs.keys()) if ((rel === id || rel.startsWith(`${id}/`)) && (!best || id.length > best.length)) best = id;
    return best === undefined ? undefined : { id: best, relInRun: rel === best ? '' : rel.slice(best.length + 1) };
  };

  // --- Server-Sent Events ---
  const clients = new Set<http.ServerResponse>();
  const broadcast = (event: string, data: unknown) => {
    const msg = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) c.write(msg);
  };
  const ping = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, SSE_PING_MS);
  ping.unref();

  // Read every run's event files in the background, most recently written first, one run per turn of the event loop,
  // so that a run opens with its curves ready.
  let prewarmTimer: NodeJS.Immediate | undefined;
  const prewarm = () => {
    const queue = [...runs.values()].map((r) => ({ r, s: r.summary() })).sort((a, b) => b.s.updated - a.s.updated).map(({ r }) => r);
    const next = () => {
      const run = queue.shift();
      if (!run) return;
      run.scalars.refresh();
      prewarmTimer = setImmediate(next);
    };
    prewarmTimer = setImmediate(next);
  };

  let hosts = new Set<string>();
  const baseHeaders = (contentType: string): http.OutgoingHttpHeaders => ({
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  const send = (res: http.ServerResponse, status: number, contentType: string, body: string | Buffer, head = false) => {
    res.writeHead(status, { ...baseHeaders(contentType), 'Content-Length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  const text = (res: http.ServerResponse, status: number, body: string) =>
    send(res, status, 'text/plain; charset=utf-8', `${body}\n`);
  const json = (res: http.ServerResponse, body: unknown, head: boolean) =>
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body), head);
  const serveFile = (res: http.ServerResponse, r: ReturnType<typeof resolveUnder>, head: boolean, cache = false) => {
    if (!r.ok) return text(res, r.status, r.status === 403 ? 'forbidden' : 'not found');
    const headers: http.OutgoingHttpHeaders = { ...baseHeaders(r.contentType), 'Content-Length': r.size };
    // The pinned three.js / uPlot files may be cached (and their compiled code with them); run files never.
    if (cache) headers['Cache-Control'] = 'private, max-age=3600';
    res.writeHead(200, headers);
    if (head) return res.end();
    fs.createReadStream(r.file)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(hostHeader)) return text(res, 403, 'forbidden: unknown Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return text(res, 405, 'method not allowed');
    }
    const head = req.method === 'HEAD';
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const prefix = (p: string) => (path.startsWith(p) ? path.slice(p.length) : undefined);
    let rest: string | undefined;

    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page, head);
    if ((rest = prefix('/static/')) !== undefined) {
      return serveFile(res, resolveUnder(PAGE_DIR, rest, (rel) => !rel.includes('/') && rel !== 'index.html'), head);
    }
    if ((rest = prefix('/vendor/three/')) !== undefined) {
      const allow = (rel: string) => /^build\/three\.(module|core)\.js$/.test(rel) || /^examples\/jsm\/[\w/.-]+\.js$/.test(rel);
      return serveFile(res, resolveUnder(threeRoot, rest, allow), head, true);
    }
    if ((rest = prefix('/vendor/uplot/')) !== undefined) {
      return serveFile(res, resolveUnder(uplotRoot, rest, (rel) => /^dist\/uPlot\.(esm\.js|min\.css)$/.test(rel)), head, true);
    }
    if ((rest = prefix('/files/')) !== undefined) {
      // The runs' files, but not their checkpoints (parameters are not for the page).
      return serveFile(res, resolveUnder(root, rest, (rel) => !rel.split('/').includes('checkpoints')), head);
    }
    if (path === '/api/runs') {
      const list: RunSummary[] = [...runs.values()].map((r) => r.summary());
      return json(res, { root, runs: list }, head);
    }
    if (path === '/api/run' || path === '/api/scalars') {
      const run = runs.get(query.get('id') ?? '');
      if (!run) return text(res, 404, 'no such run');
      if (path === '/api/run') return json(res, { summary: run.summary(), files: run.files() }, head);
      run.scalars.refresh();
      return send(res, 200, 'application/json; charset=utf-8', run.scalars.jsonText(), head);
    }
    if (path === '/api/events') {
      res.writeHead(200, { ...baseHeaders('text/event-stream; charset=utf-8'), Connection: 'keep-alive' });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    return text(res, 404, 'not found');
  };

  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) text(res, 500, `internal error: ${(err as Error).message}`);
      else res.destroy();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        fail(new DalError(`port ${port} on ${host} is in use (another dal view or server?): pass --port N for another port, or --port 0 for a free one`));
      } else if (err.code === 'EACCES') {
        fail(new DalError(`no permission to listen on port ${port}: pass --port N with N ≥ 1024, or --port 0 for a free one`));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        fail(new DalError(`cannot listen on --host ${host}: not an address of this machine`));
      } else fail(err);
    });
    server.listen(port, host, () => ok());
  });
  const actualPort = (server.address() as { port: number }).port;
  hosts = allowedHosts(host, actualPort);
  // The watcher starts once the port is ours (a busy port must not leave it holding the process open).
  const watcher = new RunWatcher(root, runOf, {
    onTreeChange: () => {
      rescan();
      broadcast('runs', { ids: [...runs.keys()].sort() });
    },
    onRunChange: (id: string, kinds: Set<ChangeKind>) => {
      const run = runs.get(id);
      if (!run) return;
      if (kinds.has('scalars')) run.scalars.refresh();
      broadcast('run', { id, kinds: [...kinds], summary: run.summary() });
    },
  });
  await watcher.ready();
  prewarm();

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}/`,
    host,
    port: actualPort,
    runIds: () => [...runs.keys()].sort(),
    close: async () => {
      clearInterval(ping);
      if (prewarmTimer) clearImmediate(prewarmTimer);
      for (const c of clients) c.end();
      clients.clear();
      await watcher.close();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    },
  };
}
