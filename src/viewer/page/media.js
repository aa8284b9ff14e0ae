// The turntable (an animation and a strip from turntable.npy), the run's images, and its .npy outputs.
import { $, fileUrl } from './util.js';
import { parseNpy } from './npy.js';

const tt = { frames: null, timer: null, playing: true, index: 0, version: null };

export async function renderTurntable(files) {
  const panel = $('turntable-panel');
  const ref = files.turntable;
  panel.hidden = !ref;
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

export function drawTurntableFrame() {
  if (!tt.frames?.length) return;
  $('tt-frame').getContext('2d').putImageData(tt.frames[tt.index], 0, 0);
  $('tt-scrub').value = String(tt.index);
}

export function renderImages(files) {
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

export function renderOutputs(files) {
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


/** Forgets the shown turntable (another run was selected). */
export function resetTurntable() {
  tt.version = null;
}

/** Play / pause, and scrubbing (which pauses). */
export function wireTurntable() {
  $('tt-play').addEventListener('click', () => {
    tt.playing = !tt.playing;
    $('tt-play').textContent = tt.playing ? 'Pause' : 'Play';
  });
  $('tt-scrub').addEventListener('input', () => {
    tt.playing = false;
    $('tt-play').textContent = 'Play';
    tt.index = Number($('tt-scrub').value);
    drawTurntableFrame();
  });
}
