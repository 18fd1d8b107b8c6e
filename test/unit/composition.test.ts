import { describe, expect, it } from 'vitest';
import { secureRandom } from '../../lib/composition/app.ts';

describe('secureRandom', () => {
  it('stays in [0, 1) and spreads over the interval', () => {
    const xs = Array.from({ length: 2000 }, secureRandom);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.min(...xs)).toBeLessThan(0.05);
    expect(Math.max(...xs)).toBeGreaterThan(0.95);
  });
});
