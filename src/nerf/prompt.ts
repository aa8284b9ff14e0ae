/**
 * The DreamFusion prompt: "a <colour> <shape>" in the shapes teacher's vocabulary (the view suffix is added per view,
 * camera.ts). Checked at config load, so that a typo is refused with the words the teacher knows rather than after
 * minutes of SDS against a prompt the prior reads as noise.
 * The words are checked by core's `unknownWords` against the shapes teacher's vocabulary (`SHAPES_PROMPT_WORDS`, the
 * words of its training prompts), as `dal sample --prompt` checks them.
 */
import { COLORS, SHAPES, SHAPES_PROMPT_WORDS, parsePrompt } from '../core/data/shapes/dataset.ts';
import { unknownWords } from '../core/text/tokenizer.ts';

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
  const unknown = unknownWords(prompt, SHAPES_PROMPT_WORDS);
  const vocabulary = `known shapes: ${SHAPES.join(', ')}; colours: ${COLORS.join(', ')}`;
  if (unknown.length) return `unknown word${unknown.length > 1 ? 's' : ''} ${unknown.map((w) => `"${w}"`).join(', ')} (not in the shapes teacher's vocabulary; ${vocabulary})`;
  return `expected "a <colour> <shape>" without a view (it is added per view), e.g. "a red cube" (${vocabulary})`;
}
