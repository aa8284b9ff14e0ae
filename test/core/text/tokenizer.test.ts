import { describe, expect, it } from 'vitest';
import { decode, encode, encodeBatch, PAD_ID, UNK_ID, VOCAB, vocabSize, words } from '../../../src/core/text/tokenizer.ts';
import { COLORS, SHAPES, VIEWS } from '../../../src/core/data/shapes/dataset.ts';

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
