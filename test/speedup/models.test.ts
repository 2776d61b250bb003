import { describe, expect, it } from 'vitest';
import { amdahlSpeedup, efficiencyOf, fitAmdahl, karpFlatt, predictions, speedupOf } from '../../dist/src/speedup/models.js';
import { median, medianIndex, summarize } from '../../dist/src/speedup/stats.js';
import { defaultWorkerCounts, normalizeWorkerCounts } from '../../dist/src/speedup/worker-counts.js';

describe('Karp–Flatt serial fraction', () => {
  it('is 1/12 for S(4) = 3.2: (1/3.2 − 1/4) ÷ (1 − 1/4) = 0.0625 ÷ 0.75', () => {
    expect(karpFlatt(3.2, 4)).toBeCloseTo(0.083333, 6);
  });
  it('is 0 for a perfect speedup and 1 for none', () => {
    expect(karpFlatt(8, 8)).toBeCloseTo(0, 12);
    expect(karpFlatt(1, 8)).toBeCloseTo(1, 12);
  });
  it('is undefined at one worker', () => {
    expect(karpFlatt(1, 1)).toBeNull();
  });
  it('gives back the serial fraction of an Amdahl speedup at every p', () => {
    for (const p of [2, 3, 16, 64]) expect(karpFlatt(amdahlSpeedup(0.05, p), p)).toBeCloseTo(0.05, 12);
  });
});

describe('Amdahl fit', () => {
  it('recovers f = 0.1 exactly from points on the curve (S(2) = 1/0.55, S(4) = 1/0.325)', () => {
    const fit = fitAmdahl([
      { workers: 1, speedup: 1 },
      { workers: 2, speedup: 1 / 0.55 },
      { workers: 4, speedup: 1 / 0.325 },
    ])!;
    expect(fit.serialFraction).toBeCloseTo(0.1, 12);
    expect(fit.rmse).toBeCloseTo(0, 12);
    expect(fit.points).toBe(2);
  });
  it('fits S(2) = 1.6, S(4) = 2.5 with f = 0.175 ÷ 0.8125 = 0.21538 (worked by hand)', () => {
    // x = 1 − 1/p: 0.5, 0.75; y = 1/S − 1/p: 0.125, 0.15; f = Σxy ÷ Σx² = (0.0625 + 0.1125) ÷ (0.25 + 0.5625).
    const fit = fitAmdahl([
      { workers: 2, speedup: 1.6 },
      { workers: 4, speedup: 2.5 },
    ])!;
    expect(fit.serialFraction).toBeCloseTo(0.215385, 6);
    // Curve: S(2) = 1/(0.215385 + 0.392308) = 1.64557, S(4) = 1/(0.215385 + 0.196154) = 2.42991.
    expect(fit.rmse).toBeCloseTo(Math.sqrt(((1.6 - 1.64557) ** 2 + (2.5 - 2.42991) ** 2) / 2), 4);
  });
  it('clamps a superlinear speedup to f = 0', () => {
    expect(fitAmdahl([{ workers: 2, speedup: 2.5 }])!.serialFraction).toBe(0);
  });
  it('has nothing to fit without a point beyond one worker', () => {
    expect(fitAmdahl([{ workers: 1, speedup: 1 }])).toBeNull();
  });
  it('predicts S(8) = 1/(0.1 + 0.9/8) = 4.706 and S(64) = 8.767 for f = 0.1', () => {
    const [p8, , , p64] = predictions(0.1);
    expect(p8!.cores).toBe(8);
    expect(p8!.speedup).toBeCloseTo(4.70588, 4);
    expect(p8!.efficiency).toBeCloseTo(4.70588 / 8, 4);
    expect(p64!.speedup).toBeCloseTo(1 / (0.1 + 0.9 / 64), 10);
  });
});

describe('speedup, efficiency and statistics', () => {
  it('computes speedup and efficiency from times', () => {
    expect(speedupOf(1000, 400)).toBe(2.5);
    expect(efficiencyOf(2.5, 4)).toBe(0.625);
  });
  it('summarizes repeats by median, min, max and relative spread', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summarize([10, 12, 11, 9])).toEqual({ median: 10.5, min: 9, max: 12, spread: 3 / 10.5 });
    expect(medianIndex([30, 10, 20, 40])).toBe(2);
  });
  it('sweeps 1, 2, 4, … up to the cores plus the core count, and always includes 1', () => {
    expect(defaultWorkerCounts(1)).toEqual([1]);
    expect(defaultWorkerCounts(2)).toEqual([1, 2]);
    expect(defaultWorkerCounts(6)).toEqual([1, 2, 4, 6]);
    expect(defaultWorkerCounts(16)).toEqual([1, 2, 4, 8, 16]);
    expect(normalizeWorkerCounts([4, 2, 4])).toEqual({ counts: [1, 2, 4], addedOne: true });
  });
});
