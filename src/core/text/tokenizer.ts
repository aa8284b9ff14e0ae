/**
 * A word-level tokenizer over dal's fixed prompt vocabulary (the shapes prompts, digit names, a few function words).
 *
 * Normalization: lower-case; a comma is a token of its own; the digits 0–9 written as numerals become their names
 * ("7" → "seven"); every other non-letter character separates words and is dropped ("a red cube." = "a red cube").
 * Words outside the vocabulary map to <unk>. Id 0 is padding, so the empty prompt — the null condition of
 * classifier-free guidance — encodes to all zeros. The vocabulary is append-only: ids are stored in checkpoints.
 */
import { DalError } from '../errors.ts';
import { SHAPES } from '../data/shapes/primitives.ts';
import { COLORS } from '../data/shapes/shading.ts';

export const PAD_ID = 0;
export const UNK_ID = 1;

const DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** The vocabulary, in id order (append new words at the end only). */
export const VOCAB: readonly string[] = [
  '<pad>',
  '<unk>',
  ',',
  'a',
  'an',
  'the',
  'of',
  'photo',
  'view',
  'front',
  'side',
  'back',
  'overhead',
  ...SHAPES,
  ...COLORS,
  ...DIGIT_NAMES,
  'digit',
  'number',
  'handwritten',
];

export const vocabSize = VOCAB.length;

const ID = new Map<string, number>(VOCAB.map((w, i) => [w, i]));

/** Normalized word tokens of a prompt (see the module comment). */
export function words(prompt: string): string[] {
  const out: string[] = [];
  for (const m of prompt.toLowerCase().matchAll(/[a-z]+|[0-9]|,/g)) {
    const w = m[0];
    out.push(w >= '0' && w <= '9' ? DIGIT_NAMES[Number(w)] : w);
  }
  return out;
}

/**
 * Token ids of a prompt, truncated to `maxLen` and padded with PAD_ID (0).
 * @returns [maxLen] int32
 */
export function encode(prompt: string, maxLen: number): Int32Array {
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError(`maxLen must be a positive integer, got ${maxLen}`);
  const ids = new Int32Array(maxLen);
  const ws = words(prompt);
  for (let i = 0; i < Math.min(ws.length, maxLen); i++) ids[i] = ID.get(ws[i]) ?? UNK_ID;
  return ids;
}

/**
 * Encode a batch of prompts.
 * @returns [prompts.length · maxLen] int32, row-major ([B, maxLen])
 */
export function encodeBatch(prompts: readonly string[], maxLen: number): Int32Array {
  const out = new Int32Array(prompts.length * maxLen);
  prompts.forEach((p, i) => out.set(encode(p, maxLen), i * maxLen));
  return out;
}

/** The words of a sequence of ids, padding dropped (for logs and tests). */
export function decode(ids: ArrayLike<number>): string {
  const ws: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === PAD_ID) continue;
    ws.push(VOCAB[ids[i]] ?? '<unk>');
  }
  return ws.join(' ').replace(/ ,/g, ',');
}

/** The normalized words of `prompt` (see `words`) that are not in `vocabulary`, each once, in order of appearance. */
export function unknownWords(prompt: string, vocabulary: readonly string[]): string[] {
  const known = new Set(vocabulary);
  return [...new Set(words(prompt).filter((w) => !known.has(w)))];
}

/**
 * Refuses a prompt that uses a word outside a model's vocabulary (the words its training prompts used: any other word
 * has an untrained embedding, or maps to <unk>, and silently steers the samples). The empty prompt (the null
 * condition) passes. Call it wherever prompts enter: CLI flags, configs.
 * @param vocabulary the known words (normalized as `words` normalizes: lower case, "," a word, digits as names)
 * @param where what the prompt is, for the message (e.g. `--prompt`, `configs/x.yaml: system.prompt`)
 * @throws DalError naming the unknown words and listing the known ones
 */
export function checkPromptWords(prompt: string, vocabulary: readonly string[], where = 'prompt'): void {
  const unknown = unknownWords(prompt, vocabulary);
  if (unknown.length === 0) return;
  const list = unknown.map((w) => `"${w}"`).join(', ');
  throw new DalError(
    `${where} "${prompt}": ${unknown.length === 1 ? 'the word' : 'the words'} ${list} ${unknown.length === 1 ? 'is' : 'are'} ` +
      `not in the model's vocabulary; the known words are: ${vocabulary.join(' ')}`,
  );
}
