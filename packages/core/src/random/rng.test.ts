import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../testing/tf-setup.js';
import { createRng, restoreRng } from './rng.js';

describe('seeded randomness', () => {
  it('a restored state continues the stream exactly, also with a Box–Muller normal pending', () => {
    const rng = createRng(2026);
    rng.normals(7); // an odd count leaves the second normal of a pair pending
    const saved = JSON.parse(JSON.stringify(rng.state())); // as a checkpoint's JSON keeps it
    expect(saved.spare).not.toBeNull();
    const copy = restoreRng(saved);
    const draw = (r: typeof rng) => [...r.normals(3), ...r.uniforms(3), r.int(1, 1000), ...r.normalTensor([4]).dataSync()];
    expect(draw(copy)).toEqual(draw(rng));
    expect(copy.seed).toBe(2026);
    // Another generator at the same seed but another point in the stream draws something else.
    expect(draw(createRng(2026))).not.toEqual(draw(restoreRng(saved)));
    tf.disposeVariables();
  });

  it('a state that Rng.state() did not produce is refused by name', () => {
    expect(() => restoreRng({ seed: 1, generator: [1, 2, 3], spare: null })).toThrow(/restoreRng: argument 'state' must be a state saved by Rng.state\(\)/);
    expect(() => restoreRng(null as never)).toThrow(/restoreRng: argument 'state'/);
  });
});
