import { describe, expect, it } from 'vitest';
import { DalError } from '../../../src/core/errors.ts';
import { checkPromptWords, decode, encode, encodeBatch, PAD_ID, unknownWords, UNK_ID, VOCAB, vocabSize, words } from '../../../src/core/text/tokenizer.ts';
import { promptVocabulary } from '../../../src/core/data/conditional.ts';
import { COLORS, promptFor, randomShapeSample, SHAPES, SHAPES_PROMPT_WORDS, VIEWS } from '../../../src/core/data/shapes/dataset.ts';
import { Rng } from '../../../src/core/rng.ts';

describe('tokenizer', () => {
  it('has a fixed vocabulary with padding 0 and <unk> 1, no duplicates', () => {
    expect(VOCAB[PAD_ID]).toBe('<pad>');
    expect(VOCAB[UNK_ID]).toBe('<unk>');
    expect(new Set(VOCAB).size).toBe(vocabSize);
    for (const w of [...SHAPES, ...COLORS, ...VIEWS, 'view', 'a', 'an', 'photo', 'of', 'the', ',', 'seven']) {
      expect(VOCAB).toContain(w);
    }
  });

  it('encodes a shapes prompt word by word, the comma as a token, padded with 0', () => {
    const ids = encode('a red cube, side view', 8);
    const expected = ['a', 'red', 'cube', ',', 'side', 'view'].map((w) => VOCAB.indexOf(w));
    expect(Array.from(ids)).toEqual([...expected, 0, 0]);
    expect(decode(ids)).toBe('a red cube, side view');
  });

  it('maps the empty prompt to all padding (the null condition)', () => {
    expect(Array.from(encode('', 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(encode('  ... ', 3))).toEqual([0, 0, 0]);
  });

  it('lower-cases, drops other punctuation, names numerals and marks unknown words', () => {
    expect(Array.from(encode('A RED Cube!', 4))).toEqual(Array.from(encode('a red cube', 4)));
    expect(words('a photo of the digit 7.')).toEqual(['a', 'photo', 'of', 'the', 'digit', 'seven']);
    expect(Array.from(encode('a shiny cube', 3))).toEqual([VOCAB.indexOf('a'), UNK_ID, VOCAB.indexOf('cube')]);
  });

  it('truncates to maxLen and encodes batches row by row', () => {
    expect(Array.from(encode('a red cube, side view', 3))).toEqual(['a', 'red', 'cube'].map((w) => VOCAB.indexOf(w)));
    const batch = encodeBatch(['a blue torus', ''], 4);
    expect(Array.from(batch)).toEqual([...Array.from(encode('a blue torus', 4)), 0, 0, 0, 0]);
    expect(() => encode('a', 0)).toThrow(RangeError);
  });

  it('is deterministic', () => {
    expect(encode('a purple cone, overhead view', 10)).toEqual(encode('a purple cone, overhead view', 10));
  });
});

describe('checkPromptWords', () => {
  const vocab = ['a', 'red', 'cube', ',', 'side', 'view'];

  it('lists the unknown words once each, in order, after normalization', () => {
    expect(unknownWords('A Red cube, side view.', vocab)).toEqual([]);
    expect(unknownWords('a pink dodecahedron, pink view', vocab)).toEqual(['pink', 'dodecahedron']);
    expect(unknownWords('', vocab)).toEqual([]);
  });

  it('passes known prompts and the empty (null) prompt, refuses others with the known words (DalError)', () => {
    expect(() => checkPromptWords('a red cube, side view', vocab)).not.toThrow();
    expect(() => checkPromptWords('', vocab)).not.toThrow();
    let err: unknown;
    try {
      checkPromptWords('a pink dodecahedron', vocab, '--prompt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DalError);
    expect((err as DalError).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      '--prompt "a pink dodecahedron": the words "pink", "dodecahedron" are not in the model\'s vocabulary; ' +
        'the known words are: a red cube , side view',
    );
    expect(() => checkPromptWords('a red sphere', vocab)).toThrow(/the word "sphere" is not/);
  });

  it("the shapes data's vocabulary is exactly the words of its prompts", () => {
    const rng = new Rng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const w of words(promptFor(randomShapeSample(rng)))) seen.add(w);
    expect([...seen].sort()).toEqual([...SHAPES_PROMPT_WORDS].sort());
    expect(promptVocabulary('shapes')).toBe(SHAPES_PROMPT_WORDS);
    expect(promptVocabulary('mnist')).toBeUndefined();
    for (const w of SHAPES_PROMPT_WORDS) expect(VOCAB).toContain(w);
  });
});
