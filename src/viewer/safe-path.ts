/**
 * Mapping a request path onto a file under one directory, refusing everything that could leave it: `..` and `.`
 * segments in any encoding (`%2e%2e`, `%2f`, `%252e` double encoding — a `%` left after decoding is refused),
 * backslashes (raw or `%5c`), NUL, empty segments (`//`, a leading `/`: absolute paths), drive letters, dot files
 * (temporary files, `.git`), and symlinks whose target lies outside the directory. Directories are never listed, and
 * only allow-listed file types are served, each with its own content type.
 */
import * as fs from 'node:fs';
import { extname, join, sep } from 'node:path';

/** Content types of the files the viewer serves; any other extension is not served (404). */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.glb': 'model/gltf-binary',
  '.ply': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.yaml': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export type Resolved = { ok: true; file: string; size: number; contentType: string } | { ok: false; status: 403 | 404; reason: string };

/**
 * Resolves `rawPath` (still URL-encoded, as it came in the request line, without the route prefix) to a file under
 * `root`.
 * @param root an absolute directory (its real path is taken, so a root reached through a symlink works)
 * @param allow optional extra test on the decoded relative path (e.g. only `build/*.js` of a package)
 */
export function resolveUnder(
  root: string,
  rawPath: string,
  allow: (rel: string) => boolean = () => true,
  types: Record<string, string> = CONTENT_TYPES,
): Resolved {
  const refuse = (reason: string): Resolved => ({ ok: false, status: 403, reason });
  const missing = (reason: string): Resolved => ({ ok: false, status: 404, reason });
  if (/\\|%5c/i.test(rawPath)) return refuse('backslash in path');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return refuse('malformed percent-encoding');
  }
  if (decoded.includes('%')) return refuse('percent sign after decoding (double encoding)');
  if (decoded.includes('\0') || decoded.includes('\\')) return refuse('NUL or backslash in path');
  const segments = decoded.split('/');
  for (const s of segments) {
    if (s === '') return refuse('empty path segment (absolute path or //)');
    if (s === '.' || s === '..') return refuse('dot segment');
    if (s.startsWith('.')) return refuse('dot file');
    if (s.includes(':')) return refuse('colon in path segment');
  }
  const rel = segments.join('/');
  if (!allow(rel)) return missing('not an allowed file');
  if (!types[extname(rel).toLowerCase()]) return missing('file type not served');
  let realRoot: string;
  let real: string;
  try {
    realRoot = fs.realpathSync(root);
    real = fs.realpathSync(join(realRoot, ...segments));
  } catch {
    return missing('no such file');
  }
  if (!real.startsWith(realRoot + sep)) return refuse('resolves outside the served directory');
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch {
    return missing('no such file');
  }
  if (!st.isFile()) return missing('not a file');
  // A symlink inside the directory is served as what it points to.
  const contentType = types[extname(real).toLowerCase()];
  if (!contentType) return missing('file type not served');
  return { ok: true, file: real, size: st.size, contentType };
}
