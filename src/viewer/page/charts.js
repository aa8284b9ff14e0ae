// The curves panel: one uPlot chart per scalar tag, a regex tag filter, TensorBoard-style EMA smoothing (the raw
// curve stays visible, faint), a shared cursor across charts, and in-place updates when new points arrive.
import uPlot from 'uplot';

const HEIGHT = 170;
const sync = uPlot.sync('dal-curves');

/** TensorBoard's debiased exponential moving average. */
export function smooth(values, weight) {
  if (weight <= 0) return values;
  const out = new Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = last / (1 - weight ** n);
  }
  return out;
}

function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

export class Charts {
  /** @param {HTMLElement} grid @param {HTMLInputElement} filter @param {HTMLElement} count */
  constructor(grid, filter, count) {
    this.grid = grid;
    this.filter = filter;
    this.count = count;
    this.charts = new Map(); // tag -> { el, plot, series, last }
    this.smoothing = 0.6;
    this.filter.addEventListener('input', () => this.applyFilter());
    new ResizeObserver(() => this.resize()).observe(grid);
  }

  clear() {
    for (const c of this.charts.values()) c.plot.destroy();
    this.charts.clear();
    this.grid.replaceChildren();
    this.count.textContent = '';
  }

  setSmoothing(w) {
    this.smoothing = w;
    for (const c of this.charts.values()) c.plot.setData(this.data(c.series));
  }

  data(series) {
    return [series.step, series.value, smooth(series.value, this.smoothing)];
  }

  /** @param {Record<string, { step: number[], value: (number|null)[] }>} tags */
  update(tags) {
    const names = Object.keys(tags).sort(compareTags);
    for (const tag of names) {
      const series = tags[tag];
      let c = this.charts.get(tag);
      if (!c) {
        c = this.create(tag, series);
        this.charts.set(tag, c);
      } else {
        c.series = series;
        c.plot.setData(this.data(series));
      }
      c.el.dataset.points = String(series.step.length);
      const last = series.value[series.value.length - 1];
      c.lastEl.textContent = series.step.length ? fmt(last) : '';
      c.lastEl.title = series.step.length ? `step ${series.step[series.step.length - 1]}` : '';
    }
    for (const [tag, c] of this.charts) {
      if (!(tag in tags)) {
        c.plot.destroy();
        c.el.remove();
        this.charts.delete(tag);
      }
    }
    // Keep the DOM in tag order (new tags can sort anywhere).
    const want = names.map((t) => this.charts.get(t).el);
    if (want.some((el, i) => this.grid.children[i] !== el)) this.grid.replaceChildren(...want);
    this.applyFilter();
  }

  create(tag, series) {
    const el = document.createElement('div');
    el.className = 'chart';
    el.dataset.tag = tag;
    const title = document.createElement('div');
    title.className = 'chart-title';
    const name = document.createElement('span');
    name.className = 'tag';
    name.textContent = tag;
    name.title = tag;
    const lastEl = document.createElement('span');
    lastEl.className = 'last';
    title.append(name, lastEl);
    const body = document.createElement('div');
    el.append(title, body);
    this.grid.appendChild(el);
    const axis = {
      stroke: '#8792a5',
      grid: { stroke: '#263042', width: 1 },
      ticks: { stroke: '#263042', width: 1 },
      font: '11px ui-monospace, Menlo, monospace',
      size: 34,
    };
    const opts = {
      width: Math.max(200, body.clientWidth || 300),
      height: HEIGHT,
      legend: { show: false },
      cursor: { sync: { key: sync.key }, points: { size: 6 } },
      scales: { x: { time: false } },
      axes: [axis, { ...axis, size: 52, values: (u, ticks) => ticks.map(fmt) }],
      series: [
        { label: 'step' },
        { label: 'raw', stroke: 'rgba(108,182,255,0.28)', width: 1, points: { show: false } },
        { label: tag, stroke: '#6cb6ff', width: 1.6, points: { show: series.step.length < 3 } },
      ],
    };
    const plot = new uPlot(opts, this.data(series), body);
    return { el, body, plot, series, lastEl };
  }

  resize() {
    for (const c of this.charts.values()) {
      const w = c.body.clientWidth;
      if (w > 0 && Math.abs(w - c.plot.width) > 1) c.plot.setSize({ width: w, height: HEIGHT });
    }
  }

  applyFilter() {
    let re = null;
    const q = this.filter.value.trim();
    if (q) {
      try {
        re = new RegExp(q, 'i');
        this.filter.setCustomValidity('');
      } catch {
        this.filter.setCustomValidity('not a regular expression');
        re = { test: (s) => s.toLowerCase().includes(q.toLowerCase()) };
      }
    }
    let shown = 0;
    for (const [tag, c] of this.charts) {
      const show = !re || re.test(tag);
      c.el.hidden = !show;
      if (show) shown++;
    }
    this.count.textContent = q ? `${shown} of ${this.charts.size} tags` : `${this.charts.size} tags`;
    this.resize();
  }
}

/** Losses first, final metrics last, otherwise alphabetical. */
function compareTags(a, b) {
  const rank = (t) => (t.startsWith('metrics/') ? 1 : 0);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
