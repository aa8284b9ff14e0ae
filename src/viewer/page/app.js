// dal view: the run list, the selected run's panels, and live updates over Server-Sent Events.
import { Charts } from './charts.js';
import { renderImages, renderOutputs, renderTurntable, resetTurntable, wireTurntable } from './media.js';
import { $, api, fileUrl, fmtAgo, fmtDuration, fmtNum, stepText } from './util.js';

const state = {
  runs: new Map(), // id -> summary
  received: 0, // Date.now() when summaries arrived (for the ETA countdown)
  selected: null,
  files: null,
  mesh: null, // MeshView, created on first use
  meshVersion: null,
  scalarsInFlight: false,
  scalarsDirty: false,
};
const charts = new Charts($('charts'), $('tag-filter'), $('tag-count'));


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
    resetTurntable();
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
  wireTurntable();
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
