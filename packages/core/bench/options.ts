/** Option parsing shared by the quality scripts: a bad value names the script, the option and what it accepts. */

/** An integer option ≥ `min`. */
export function intOption(script: string, name: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${script}: --${name} must be an integer >= ${min}; received ${raw}`);
  return v;
}

/** DDIM's η, in [0, 1]. */
export function etaOption(script: string, raw: string): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${script}: --eta must be in [0, 1]; received ${raw}`);
  return v;
}
