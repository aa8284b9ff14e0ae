// Small helpers shared by the page's modules: DOM lookup, the JSON API, file URLs, number and time formats.

export const $ = (id) => document.getElementById(id);

export const api = async (path) => {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
};

/** A run file's URL; the mtime makes a rewritten file a new URL (no stale cache). */
export const fileUrl = (ref) => `/files/${ref.path.split('/').map(encodeURIComponent).join('/')}?v=${Math.round(ref.mtime)}`;

export function fmtNum(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

export function fmtDuration(s) {
  if (s === null || !Number.isFinite(s)) return '';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : m ? `${m}m ${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function fmtAgo(ms) {
  const s = (Date.now() - ms) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

export function stepText(r) {
  return r.steps !== null ? `${r.step.toLocaleString('en')} / ${r.steps.toLocaleString('en')}` : `step ${r.step}`;
}
