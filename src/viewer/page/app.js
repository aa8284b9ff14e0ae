// dal view: the run list, the selected run's panels, and live updates over Server-Sent Events.
import { Charts } from './charts.js';
import { parseNpy } from './npy.js';

const $ = (id) => document.getElementById(id);
const state = {
  runs: new Map(), // id -> summary
  received: 0, // Date.now() when summaries arrived (for the ETA countdown)
  selected: null,
  files: null,
  mesh: null, // MeshView, created on first use
  meshVersion: null,
  turntable: { frames: null, timer: null, playing: true, index: 0, version: null },
  scalarsInFlight: false,
  scalarsDirty: false,
};
const charts = new Charts($('charts'), $('tag-filter'), $('tag-count'));

const api = async (path) => {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
};
const fileUrl = (ref) => `/files/${ref.path.split('/').map(encodeURIComponent).join('/')}?v=${Math.round(ref.mtime)}`;

function fmtNum(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

function fmtDuration(s) {
  if (s === null || !Number.isFinite(s)) return '';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : m ? `${m}m ${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

function fmtAgo(ms) {
  const s = (Date.now() - ms) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

function stepText(r) {
  return r.steps !== null ? `${r.step.toLocaleString('en')} / ${r.steps.toLocaleString('en')}` : `step ${r.step}`;
}

function etaNow(r) {
  if (r.status !== 'running' || r.eta === null) return null;
  return r.eta - (Date.now() - state.received) / 1000;
}

// ---------------------------------------------------------------- run list

function renderRunList() {
  const q = $('run-filter').value.trim().toLowerCase();
  const runs = [...state.runs.values()].sort((a, b) => b.updated - a.updated || (a.id < b.id ? -1 : 1));
  const shown = runs.filter((r) => !q || r.id.toLowerCase().includes(q) || r.system.toLowerCase().includes(q));
  $('run-count').textContent = `${shown.length}${q ? ` of ${runs.length}` : ''} run${runs.length === 1 ? '' : 's'}`;
  const items = shown.map((r) => {
    const li = document.createElement('li');
    li.className = `run-item${r.id === state.selected ? ' selected' : ''}`;
    li.dataset.id = r.id;
    li.dataset.status = r.status;
    const top = document.createElement('div');
    top.className = 'top';
    const dot = document.createElement('span');
    dot.className = `sdot ${r.status}`;
    dot.title = r.status;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = r.id === '.' ? r.name : r.id;
    name.title = r.id;
    top.append(dot, name);
    const sub = document.createElement('div');
    sub.className = 'sub';
    const eta = etaNow(r);
    sub.textContent = [r.system, stepText(r), eta !== null ? `ETA ${fmtDuration(eta)}` : fmtAgo(r.updated)].join(' · ');
    sub.title = r.status;
    li.append(top, sub);
    const headline = Object.entries(r.metrics).slice(0, 3);
    if (headline.length) {
      const h = document.createElement('div');
      h.className = 'headline';
      h.textContent = headline.map(([k, v]) => `${k} ${fmtNum(v)}`).join('  ');
      li.append(h);
    }
    li.addEventListener('click', () => select(r.id));
    return li;
  });
  $('run-list').replaceChildren(...items);
}

async function loadRuns() {
  const { root, runs } = await api('/api/runs');
  $('root-path').textContent = root;
  state.runs = new Map(runs.map((r) => [r.id, r]));
  state.received = Date.now();
  renderRunList();
  const fromHash = decodeURIComponent(location.hash.replace(/^#run=/, ''));
  if (!state.selected || !state.runs.has(state.selected)) {
    const first = state.runs.has(fromHash) ? fromHash : [...state.runs.values()].sort((a, b) => b.updated - a.updated)[0]?.id;
    if (first !== undefined) await select(first);
  }
}

// ---------------------------------------------------------------- the selected run

async function select(id) {
  if (state.selected !== id) {
    state.selected = id;
    history.replaceState(null, '', `#run=${encodeURIComponent(id)}`);
    state.meshVersion = null;
    state.turntable.version = null;
    charts.clear();
  }
  renderRunList();
  const { summary, files } = await api(`/api/run?id=${encodeURIComponent(id)}`);
  if (state.selected !== id) return;
  state.runs.set(id, summary);
  state.files = files;
  renderHead(summary);
  await Promise.all([renderMesh(files), renderTurntable(files), loadScalars()]);
  renderImages(files);
  renderOutputs(files);
}

function renderHead(r) {
  $('empty').hidden = true;
  $('run-head').hidden = false;
  $('run-name').textContent = r.id === '.' ? r.name : r.id;
  $('run-system').textContent = r.system;
  const st = $('run-status');
  st.textContent = r.status;
  st.className = `status ${r.status}`;
  $('run-step').textContent = stepText(r);
  $('run-progress').style.width = r.steps ? `${Math.min(100, (100 * r.step) / r.steps)}%` : '0';
  const eta = etaNow(r);
  $('run-eta').textContent = eta !== null ? `ETA ${fmtDuration(eta)}` : r.status === 'finished' ? `finished ${fmtAgo(r.updated)}` : `last write ${fmtAgo(r.updated)}`;
  $('run-error').hidden = !r.error;
  $('run-error').textContent = r.error ?? '';
  const dl = $('run-metrics');
  dl.replaceChildren(
    ...Object.entries(r.metrics).map(([k, v]) => {
      const d = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = fmtNum(v);
      d.append(dt, dd);
      return d;
    }),
  );
}

async function renderMesh(files) {
  const panel = $('mesh-panel');
  const ref = files.mesh;
  panel.hidden = !ref;
  if (!ref) return;
  const version = `${ref.path}@${ref.mtime}`;
  if (version === state.meshVersion) return;
  state.meshVersion = version;
  if (!state.mesh) {
    // three.js loads only for runs with a mesh.
    const { MeshView } = await import('./mesh-view.js');
    state.mesh ??= new MeshView($('mesh-viewport'));
  }
  const res = await fetch(fileUrl(ref), { cache: 'no-store' });
  if (!res.ok) return;
  const buf = await res.arrayBuffer();
  if (state.meshVersion !== version) return; // a newer export arrived meanwhile
  const { vertices, faces, hasColors } = await state.mesh.load(buf, ref.format);
  $('mesh-vertices').textContent = vertices.toLocaleString('en');
  $('mesh-vertices').dataset.count = String(vertices);
  $('mesh-faces').textContent = faces.toLocaleString('en');
  $('mesh-faces').dataset.count = String(faces);
  $('mesh-file').textContent = `${ref.path.split('/').pop()} · ${(ref.size / 1024).toFixed(1)} KiB · ${new Date(ref.mtime).toLocaleTimeString()}`;
  $('opt-colors').disabled = !hasColors;
  $('opt-colors').parentElement.title = hasColors ? '' : 'this mesh has no vertex colours';
}

async function renderTurntable(files) {
  const panel = $('turntable-panel');
  const ref = files.turntable;
  panel.hidden = !ref;
  const tt = state.turntable;
  if (!ref) {
    clearInterval(tt.timer);
    tt.timer = null;
    return;
  }
  const version = `${ref.path}@${ref.mtime}`;
  if (version === tt.version) return;
  tt.version = version;
  const res = await fetch(fileUrl(ref), { cache: 'no-store' });
  if (!res.ok) return;
  const { data, shape } = parseNpy(await res.arrayBuffer());
  if (shape.length !== 4 || (shape[3] !== 3 && shape[3] !== 4)) {
    panel.hidden = true;
    return;
  }
  const [n, h, w, c] = shape;
  tt.frames = [];
  for (let f = 0; f < n; f++) {
    const img = new ImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      for (let k = 0; k < 3; k++) img.data[4 * i + k] = Math.round(255 * Math.min(1, Math.max(0, data[(f * h * w + i) * c + k])));
      img.data[4 * i + 3] = 255;
    }
    tt.frames.push(img);
  }
  const strip = $('tt-strip');
  strip.width = w * n;
  strip.height = h;
  const sctx = strip.getContext('2d');
  tt.frames.forEach((img, f) => sctx.putImageData(img, f * w, 0));
  const frame = $('tt-frame');
  frame.width = w;
  frame.height = h;
  $('tt-scrub').max = String(n - 1);
  tt.index = Math.min(tt.index, n - 1);
  drawTurntableFrame();
  clearInterval(tt.timer);
  tt.timer = setInterval(() => {
    if (!tt.playing || !tt.frames?.length) return;
    tt.index = (tt.index + 1) % tt.frames.length;
    drawTurntableFrame();
  }, 110);
}

function drawTurntableFrame() {
  const tt = state.turntable;
  if (!tt.frames?.length) return;
  $('tt-frame').getContext('2d').putImageData(tt.frames[tt.index], 0, 0);
  $('tt-scrub').value = String(tt.index);
}

function renderImages(files) {
  const panel = $('images-panel');
  panel.hidden = files.images.length === 0;
  $('images').replaceChildren(
    ...files.images.map((ref) => {
      const fig = document.createElement('figure');
      const a = document.createElement('a');
      a.href = fileUrl(ref);
      a.target = '_blank';
      a.rel = 'noopener';
      const img = document.createElement('img');
      img.src = fileUrl(ref);
      img.alt = ref.path;
      img.loading = 'lazy';
      img.addEventListener('load', () => {
        // Strips (turntables, sample grids) get the panel's width; small images are scaled up without blurring.
        fig.classList.toggle('wide', img.naturalWidth > 2.5 * img.naturalHeight);
        img.classList.toggle('small', img.naturalWidth < 400);
      });
      a.append(img);
      const cap = document.createElement('figcaption');
      cap.textContent = ref.path.split('/').pop();
      cap.title = ref.path;
      fig.append(a, cap);
      return fig;
    }),
  );
}

function renderOutputs(files) {
  const list = files.outputs;
  $('outputs-panel').hidden = list.length === 0;
  $('outputs').replaceChildren(
    ...list.map((ref) => {
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      const a = document.createElement('a');
      a.href = fileUrl(ref);
      a.textContent = ref.path.split('/').pop();
      a.download = '';
      name.append(a);
      const size = document.createElement('td');
      size.className = 'muted mono';
      size.textContent = ref.size < 1 << 20 ? `${(ref.size / 1024).toFixed(1)} KiB` : `${(ref.size / (1 << 20)).toFixed(1)} MiB`;
      tr.append(name, size);
      return tr;
    }),
  );
}

/** Fetches the selected run's scalars; a change during a fetch triggers one more fetch afterwards. */
async function loadScalars() {
  if (state.scalarsInFlight) {
    state.scalarsDirty = true;
    return;
  }
  state.scalarsInFlight = true;
  try {
    do {
      state.scalarsDirty = false;
      const id = state.selected;
      const t0 = performance.now();
      const s = await api(`/api/scalars?id=${encodeURIComponent(id)}`);
      if (id !== state.selected) continue;
      $('curves-panel').hidden = Object.keys(s.tags).length === 0;
      charts.update(s.tags);
      // Fetch + parse + draw (uPlot draws before the next frame), for experiments/viewer-bench.ts.
      requestAnimationFrame(() => performance.measure('dal:charts', { start: t0 }));
    } while (state.scalarsDirty);
  } finally {
    state.scalarsInFlight = false;
  }
}

// ---------------------------------------------------------------- live updates

function connect() {
  const live = $('live');
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => {
    live.className = 'live on';
    $('live-text').textContent = 'live';
  });
  es.addEventListener('error', () => {
    live.className = 'live off';
    $('live-text').textContent = 'reconnecting';
  });
  es.addEventListener('runs', () => loadRuns().catch(console.warn));
  es.addEventListener('run', (e) => onRunChange(JSON.parse(e.data)).catch(console.warn));
}

async function onRunChange({ id, kinds, summary }) {
  state.runs.set(id, summary);
  state.received = Date.now();
  renderRunList();
  if (id !== state.selected) return;
  renderHead(summary);
  const k = new Set(kinds);
  if (k.has('scalars')) loadScalars().catch(console.warn);
  if (k.has('mesh') || k.has('turntable') || k.has('images') || k.has('outputs') || k.has('status')) {
    const { files } = await api(`/api/run?id=${encodeURIComponent(id)}`);
    if (id !== state.selected) return;
    state.files = files;
    await Promise.all([renderMesh(files), renderTurntable(files)]);
    if (k.has('images')) renderImages(files);
    renderOutputs(files);
  }
}

// ---------------------------------------------------------------- controls

function wireControls() {
  $('run-filter').addEventListener('input', renderRunList);
  const mode = () => state.mesh?.setMode({ colors: $('opt-colors').checked, normals: $('opt-normals').checked, wireframe: $('opt-wireframe').checked });
  for (const id of ['opt-colors', 'opt-normals', 'opt-wireframe']) $(id).addEventListener('change', mode);
  $('opt-reset').addEventListener('click', () => state.mesh?.resetView());
  $('tt-play').addEventListener('click', () => {
    state.turntable.playing = !state.turntable.playing;
    $('tt-play').textContent = state.turntable.playing ? 'Pause' : 'Play';
  });
  $('tt-scrub').addEventListener('input', () => {
    state.turntable.playing = false;
    $('tt-play').textContent = 'Play';
    state.turntable.index = Number($('tt-scrub').value);
    drawTurntableFrame();
  });
  $('smoothing').addEventListener('input', () => {
    const w = Number($('smoothing').value);
    $('smoothing-value').textContent = w.toFixed(2);
    charts.setSmoothing(w);
  });
  // The ETA counts down between updates; statuses are re-read now and then (a SIGKILLed run writes nothing).
  setInterval(() => {
    const r = state.runs.get(state.selected);
    if (r?.status === 'running') renderHead(r);
  }, 1000);
  setInterval(() => loadRuns().catch(console.warn), 15_000);
}

wireControls();
connect();
// The run named in the URL loads alongside the run list.
const initial = decodeURIComponent(location.hash.replace(/^#run=/, ''));
if (initial) select(initial).catch(() => (state.selected = null));
loadRuns().catch((err) => {
  $('empty').textContent = `Cannot load the runs: ${err.message}`;
});
