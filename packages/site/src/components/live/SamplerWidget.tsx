import React, { useEffect, useRef, useState } from 'react';
import { BackendLine, ImageGrid, MissingWeights, Slider } from './parts';
import { record, useAvailableWeights, useLiveWorker, type Progress } from './useLiveWorker';

/** The denoisers the page can sample, each a shipped checkpoint (weights/<name>). */
const MODELS = [
  { name: 'cddpm', label: 'pixel UNet (S4)' },
  { name: 'cdit', label: 'pixel DiT (S3)' },
  { name: 'cldm', label: 'latent diffusion: UNet on 4×4×4 latents (S1)' },
] as const;
type ModelName = (typeof MODELS)[number]['name'];

interface Settings {
  model: ModelName;
  digit: number | null;
  w: number;
  sampler: 'ddpm' | 'ddim';
  steps: number;
  eta: number;
  seed: number;
  n: number;
}
interface SampleResult {
  model: ModelName;
  /** For latent diffusion: the latent's side and channels, and the side of the mosaic x_t is shown as. */
  latent: { side: number; channels: number; mosaicSide: number } | null;
  /** For latent diffusion: the latents z_0 the samples were decoded from. */
  latents?: Float32Array;
  sampler: 'ddpm' | 'ddim';
  n: number;
  side: number;
  images: Float32Array;
  ms: number;
  steps: number;
  backend: string;
  step: number;
}

const DEFAULTS: Settings = { model: 'cddpm', digit: 3, w: 3, sampler: 'ddim', steps: 25, eta: 1, seed: 0, n: 8 };

/** The model named by `?model=` in the page's address (the notebooks link to the DiT and latent diffusion this way). */
function modelFromAddress(): ModelName {
  if (typeof window === 'undefined') return DEFAULTS.model;
  const asked = new URLSearchParams(window.location.search).get('model');
  return MODELS.find((m) => m.name === asked)?.name ?? DEFAULTS.model;
}

/**
 * 2 · The conditional denoisers' sampler playground: pixel UNet, pixel DiT or latent UNet; digit or none, guidance
 * w (F6), DDPM (F1) or DDIM (F4), steps, η, seed.
 */
export default function SamplerWidget(): React.JSX.Element {
  const available = useAvailableWeights();
  const worker = useLiveWorker();
  const [s, setS] = useState<Settings>(DEFAULTS);
  const [frame, setFrame] = useState<{ xt: Float32Array; stateSide: number; latent: SampleResult['latent']; x0hat: Float32Array; t: number; next: number; done: number; total: number; ms: number }>();
  const [result, setResult] = useState<SampleResult>();
  const [judged, setJudged] = useState<{ predicted: number[]; asked: number | null }>();
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string>();
  const started = useRef(false);
  const set = (patch: Partial<Settings>) => setS((old) => ({ ...old, ...patch }));

  const run = (settings: Settings) => {
    setRunning(true);
    setJudged(undefined);
    setError(undefined);
    const frames: number[] = [];
    let frameSide = 0;
    worker
      .call<SampleResult>('sample', { ...settings }, (p: Progress) => {
        frames.push(p.t as number);
        frameSide = p.stateSide as number;
        setFrame(p as never);
      })
      .then((r) => {
        setResult(r);
        record('sample', {
          settings,
          model: r.model,
          n: r.n,
          side: r.side,
          images: Array.from(r.images),
          latent: r.latent,
          latents: r.latents ? Array.from(r.latents) : null,
          ms: r.ms,
          steps: r.steps,
          backend: r.backend,
          frames: frames.length,
          frameSide,
        });
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setRunning(false));
  };
  const ask = () =>
    worker
      .call<{ predicted: number[]; asked: number | null }>('classify')
      .then((r) => {
        setJudged(r);
        record('judge', r);
      })
      .catch((e: Error) => setError(e.message));

  const ready = worker.status === 'ready' && available?.includes(s.model);
  useEffect(() => {
    if (worker.status === 'ready' && available && !started.current) {
      started.current = true;
      const model = modelFromAddress();
      const first = { ...s, model: available.includes(model) ? model : s.model };
      setS(first);
      if (available.includes(first.model)) run(first);
    }
  }, [worker.status, available]);

  if (available && !MODELS.some((m) => available.includes(m.name))) return <MissingWeights name="cddpm" />;
  const side = result?.side ?? 16;
  const latent = frame?.latent ?? result?.latent ?? null;
  const stateSide = frame?.stateSide ?? side;
  const cols = Math.min(s.n, 8);
  return (
    <div className="live" data-testid="sampler-widget">
      <BackendLine worker={worker} />
      <div className="live__controls">
        <label className="live__control">
          <span className="live__label">model</span>
          <select
            value={s.model}
            onChange={(e) => {
              setFrame(undefined);
              setResult(undefined);
              set({ model: e.target.value as ModelName });
            }}
            data-testid="model"
          >
            {MODELS.map((m) => (
              <option key={m.name} value={m.name} disabled={!available?.includes(m.name)}>
                {m.label}
                {available && !available.includes(m.name) ? ' (not in this build)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="live__control">
          <span className="live__label">digit</span>
          <select value={s.digit === null ? '' : String(s.digit)} onChange={(e) => set({ digit: e.target.value === '' ? null : Number(e.target.value) })} data-testid="digit">
            <option value="">none (unconditional)</option>
            {Array.from({ length: 10 }, (_, d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <Slider label={<>guidance <i>w</i></>} value={s.w} min={0} max={8} step={0.5} onChange={(w) => set({ w })} testId="w" format={(v) => v.toFixed(1)} />
        <fieldset className="live__control live__radio">
          <span className="live__label">sampler</span>
          {(['ddim', 'ddpm'] as const).map((k) => (
            <label key={k}>
              <input type="radio" name="sampler" checked={s.sampler === k} onChange={() => set({ sampler: k })} data-testid={`sampler-${k}`} /> {k.toUpperCase()}
            </label>
          ))}
        </fieldset>
        <Slider label="DDIM steps" value={s.steps} min={1} max={200} onChange={(steps) => set({ steps })} testId="steps" />
        <Slider label="η (DDIM)" value={s.eta} min={0} max={1} step={0.1} onChange={(eta) => set({ eta })} testId="eta" format={(v) => v.toFixed(1)} />
        <label className="live__control">
          <span className="live__label">seed</span>
          <input type="number" min={0} value={s.seed} onChange={(e) => set({ seed: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} data-testid="seed" />
        </label>
        <Slider label="samples" value={s.n} min={1} max={16} onChange={(n) => set({ n })} testId="n" />
      </div>
      <div className="live__bar">
        <button type="button" className="button button--primary" disabled={!ready || running} onClick={() => run(s)} data-testid="sample">
          {running ? 'Sampling…' : '▶ Sample'}
        </button>
        <button type="button" className="button button--secondary" disabled={!result || running} onClick={() => void ask()} data-testid="judge">
          Ask the judge classifier
        </button>
        <span className="live__status" data-testid="status">
          {running && frame ? `step ${frame.done} of ${frame.total} (t = ${frame.t} → ${frame.next}), ${(frame.ms / 1000).toFixed(1)} s` : ''}
          {!running && result ? `${result.n} samples of weights/${result.model}, ${result.steps} ${result.sampler.toUpperCase()} steps in ${(result.ms / 1000).toFixed(2)} s on ${result.backend} (weights after ${result.step} training steps)` : ''}
        </span>
      </div>
      {error && <p className="live__error">{error}</p>}
      <div className="live__row">
        <figure className="live__figure">
          <ImageGrid data={frame?.xt} n={s.n} side={stateSide} cols={cols} scale={Math.round((4 * side) / stateSide)} testId="frame-xt" />
          <figcaption>
            {latent
              ? <>z<sub>t</sub>, the {latent.side}×{latent.side}×{latent.channels} latent, as it denoises (its {latent.channels} channels side by side)</>
              : <>x<sub>t</sub> as it denoises</>}
            {frame ? ` (t = ${frame.next})` : ''}
          </figcaption>
        </figure>
        <figure className="live__figure">
          <ImageGrid data={frame?.x0hat} n={s.n} side={side} cols={cols} scale={4} testId="frame-x0hat" />
          <figcaption>
            {latent
              ? <>D(ẑ₀ / s), the first stage’s decoding of ẑ₀ = (z<sub>t</sub> − √(1 − ᾱ<sub>t</sub>) ε̂)/√ᾱ<sub>t</sub> (D4, B8)</>
              : <>x̂₀ = (x<sub>t</sub> − √(1 − ᾱ<sub>t</sub>) ε̂)/√ᾱ<sub>t</sub> (D4)</>}
            {frame ? ` at t = ${frame.t}` : ''}
          </figcaption>
        </figure>
        <figure className="live__figure">
          <ImageGrid data={result?.images} n={result?.n ?? s.n} side={side} cols={cols} scale={4} labels={judged?.predicted.map((p) => `reads ${p}`)} testId="samples" />
          <figcaption>{latent ? 'the samples D(z₀ / s)' : 'the samples x₀'}{judged && judged.asked !== null ? `: the judge read ${judged.predicted.filter((p) => p === judged.asked).length} of ${judged.predicted.length} as ${judged.asked}` : ''}</figcaption>
        </figure>
      </div>
    </div>
  );
}
