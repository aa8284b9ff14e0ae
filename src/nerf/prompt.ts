/**
 * The DreamFusion prompt: "a <colour> <shape>" in the shapes teacher's vocabulary (the view suffix is added per view,
 * camera.ts). Checked at config load, so that a typo is refused with the words the teacher knows rather than after
 * minutes of SDS against a prompt the prior reads as noise.
 *
 * TODO(issue 8): switch `promptProblem` to core's prompt-word validation when it lands; only this function changes.
 */
import { COLORS, SHAPES, parsePrompt } from '../core/data/shapes/dataset.ts';
import { VOCAB, words } from '../core/text/tokenizer.ts';

/** Indices into SHAPES and COLORS of a valid prompt. */
export interface PromptClass {
  shape: number;
  color: number;
}

/** The prompt's shape and colour, or null when it is not "a <colour> <shape>". */
export function promptClass(prompt: string): PromptClass | null {
  const p = parsePrompt(prompt);
  return p && p.view === -1 ? { shape: p.shape, color: p.color } : null;
}

/** Why a prompt is refused (naming the unknown words and the known ones), or null when it is fine. */
export function promptProblem(prompt: string): string | null {
  if (promptClass(prompt)) return null;
  const known = new Set(VOCAB);
  const unknown = words(prompt).filter((w) => !known.has(w));
  const vocabulary = `known shapes: ${SHAPES.join(', ')}; colours: ${COLORS.join(', ')}`;
  if (unknown.length) return `unknown word${unknown.length > 1 ? 's' : ''} ${unknown.map((w) => `"${w}"`).join(', ')} (${vocabulary})`;
  return `expected "a <colour> <shape>" without a view (it is added per view), e.g. "a red cube" (${vocabulary})`;
}
