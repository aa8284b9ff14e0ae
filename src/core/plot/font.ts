/**
 * A 3×5 pixel bitmap font (upper-case letters, digits, common punctuation) for plot titles. Lower-case letters are
 * drawn as upper-case; other characters as '?'.
 */
import type { Canvas, Rgb } from './raster.ts';

// Each glyph is five rows of three cells, top to bottom, '#' = ink.
const GLYPHS: Record<string, string> = {
  A: '.#./#.#/###/#.#/#.#', B: '##./#.#/##./#.#/##.', C: '.##/#../#../#../.##', D: '##./#.#/#.#/#.#/##.',
  E: '###/#../##./#../###', F: '###/#../##./#../#..', G: '.##/#../#.#/#.#/.##', H: '#.#/#.#/###/#.#/#.#',
  I: '###/.#./.#./.#./###', J: '..#/..#/..#/#.#/.#.', K: '#.#/#.#/##./#.#/#.#', L: '#../#../#../#../###',
  M: '#.#/###/###/#.#/#.#', N: '##./#.#/#.#/#.#/#.#', O: '.#./#.#/#.#/#.#/.#.', P: '##./#.#/##./#../#..',
  Q: '.#./#.#/#.#/##./.##', R: '##./#.#/##./#.#/#.#', S: '.##/#../.#./..#/##.', T: '###/.#./.#./.#./.#.',
  U: '#.#/#.#/#.#/#.#/###', V: '#.#/#.#/#.#/#.#/.#.', W: '#.#/#.#/###/###/#.#', X: '#.#/#.#/.#./#.#/#.#',
  Y: '#.#/#.#/.#./.#./.#.', Z: '###/..#/.#./#../###', '0': '###/#.#/#.#/#.#/###', '1': '.#./##./.#./.#./###',
  '2': '##./..#/.#./#../###', '3': '##./..#/.#./..#/##.', '4': '#.#/#.#/###/..#/..#', '5': '###/#../##./..#/##.',
  '6': '.##/#../###/#.#/###', '7': '###/..#/.#./.#./.#.', '8': '###/#.#/###/#.#/###', '9': '###/#.#/###/..#/##.',
  '.': '.../.../.../.../.#.', ',': '.../.../.../.#./#..', '-': '.../.../###/.../...', '+': '.../.#./###/.#./...',
  '=': '.../###/.../###/...', ':': '.../.#./.../.#./...', '/': '..#/..#/.#./#../#..', '(': '.#./#../#../#../.#.',
  ')': '.#./..#/..#/..#/.#.', '[': '##./#../#../#../##.', ']': '.##/..#/..#/..#/.##', '%': '#.#/..#/.#./#../#.#',
  '_': '.../.../.../.../###', "'": '.#./.#./.../.../...', '!': '.#./.#./.#./.../.#.', '?': '##./..#/.#./.../.#.',
  ' ': '.../.../.../.../...',
};

/** Pixel width of `text` drawn at `scale` (4 cells per character including the gap). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * scale;
}

/** Draws `text` with its top-left corner at pixel (x, y), each font cell a `scale`×`scale` block. */
export function drawText(canvas: Canvas, text: string, x: number, y: number, scale: number, color: Rgb): void {
  let ox = x;
  for (const ch of text.toUpperCase()) {
    const glyph = GLYPHS[ch] ?? GLYPHS['?'];
    glyph.split('/').forEach((row, r) => {
      for (let c = 0; c < 3; c++) {
        if (row[c] === '#') canvas.fill(ox + c * scale, y + r * scale, ox + (c + 1) * scale, y + (r + 1) * scale, color);
      }
    });
    ox += 4 * scale;
  }
}
