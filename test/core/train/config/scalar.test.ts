import { describe, expect, it } from 'vitest';
import { evalRamp, Scalar, ScalarSyntaxError } from '../../../../src/core/train/config/scalar.ts';

describe('Scalar', () => {
  it('a constant is the same at every step', () => {
    const s = Scalar.compile(0.02);
    expect([s.at(0, 100), s.at(57, 100), s.at(100, 100)]).toEqual([0.02, 0.02, 0.02]);
    expect(s.isConstant).toBe(true);
    expect(s.toJSON()).toBe(0.02);
  });

  it('a ramp [startStep, startValue, endValue, endStep] is flat, linear, flat', () => {
    const s = Scalar.compile([100, 0.98, 0.1, 1500]);
    expect(s.at(0, 2000)).toBe(0.98);
    expect(s.at(100, 2000)).toBe(0.98);
    // halfway between steps 100 and 1500: the mean of the two values
    expect(s.at(800, 2000)).toBeCloseTo((0.98 + 0.1) / 2, 12);
    expect(s.at(450, 2000)).toBeCloseTo(0.98 + (0.1 - 0.98) * 0.25, 12);
    expect(s.at(1500, 2000)).toBe(0.1);
    expect(s.at(1999, 2000)).toBe(0.1);
    expect(s.toJSON()).toEqual([100, 0.98, 0.1, 1500]);
  });

  it('a ramp of zero length jumps at its step', () => {
    expect(evalRamp([10, 1, 2, 10], 9)).toBe(1);
    expect(evalRamp([10, 1, 2, 10], 10)).toBe(1);
    expect(evalRamp([10, 1, 2, 10], 11)).toBe(2);
  });

  it('an expression is evaluated in step and steps', () => {
    const s = Scalar.compile('0.98 - 0.5 * min(step / 5000, 1)');
    expect(s.at(0, 10000)).toBeCloseTo(0.98, 12);
    expect(s.at(2500, 10000)).toBeCloseTo(0.73, 12);
    expect(s.at(9000, 10000)).toBeCloseTo(0.48, 12);
    const t = Scalar.compile('0.98 - 0.88 * min(step / (0.7 * steps), 1)');
    expect(t.at(700, 1000)).toBeCloseTo(0.1, 12);
    expect(t.at(350, 1000)).toBeCloseTo(0.54, 12);
  });

  it('rejects what is not a scalar, saying what was expected', () => {
    for (const bad of [true, null, { a: 1 }, [1, 2, 3], [0, 1, 'x', 3], Infinity, [10, 1, 2, 5]]) {
      expect(() => Scalar.compile(bad)).toThrow(ScalarSyntaxError);
    }
    expect(() => Scalar.compile('1 +* 2')).toThrow(/valid expression.*1 \+\* 2/);
    expect(() => Scalar.compile('lr * 2')).toThrow(/unknown symbol "lr"/);
  });

  it('check() evaluates at step 0 and steps, and a ramp at its corners, against bounds', () => {
    expect(Scalar.compile('1 - step / steps', { min: 0 }).check(100)).toBeNull();
    expect(Scalar.compile('1 - step / steps', { min: 0, exclusiveMin: true }).check(100)?.given).toMatch(/0 at step 100/);
    expect(Scalar.compile('1 / (steps - step)').check(100)?.expected).toMatch(/finite/);
    expect(Scalar.compile('log(step - 1)').check(10)).not.toBeNull();
    expect(Scalar.compile([0, 0.5, 2, 50], { max: 1 }).check(100)?.given).toMatch(/2 at step 50/);
    expect(Scalar.compile('sqrt(step)').check(100)).toBeNull();
  });
});
