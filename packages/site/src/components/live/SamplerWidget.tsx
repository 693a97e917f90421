import React, { useEffect, useRef, useState } from 'react';
import { BackendLine, ImageGrid, MissingWeights, Slider } from './parts';
import { record, useAvailableWeights, useLiveWorker, type Progress } from './useLiveWorker';

interface Settings {
  digit: number | null;
  w: number;
  sampler: 'ddpm' | 'ddim';
  steps: number;
  eta: number;
  seed: number;
  n: number;
}
interface SampleResult {
  n: number;
  side: number;
  images: Float32Array;
  ms: number;
  steps: number;
  backend: string;
  step: number;
}

const DEFAULTS: Settings = { digit: 3, w: 3, sampler: 'ddim', steps: 25, eta: 1, seed: 0, n: 8 };

/** 2 · The conditional DDPM's sampler playground: digit or none, guidance w (F6), DDPM (F1) or DDIM (F4), steps, η, seed. */
export default function SamplerWidget(): React.JSX.Element {
  const available = useAvailableWeights();
  const worker = useLiveWorker();
  const [s, setS] = useState<Settings>(DEFAULTS);
  const [frame, setFrame] = useState<{ xt: Float32Array; x0hat: Float32Array; t: number; next: number; done: number; total: number; ms: number }>();
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
    worker
      .call<SampleResult>('sample', { ...settings }, (p: Progress) => {
        frames.push(p.t as number);
        setFrame(p as never);
      })
      .then((r) => {
        setResult(r);
        record('sample', { settings, n: r.n, side: r.side, images: Array.from(r.images), ms: r.ms, steps: r.steps, backend: r.backend, frames: frames.length });
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

  const ready = worker.status === 'ready' && available?.includes('cddpm');
  useEffect(() => {
    if (ready && !started.current) {
      started.current = true;
      run(s);
    }
  }, [ready]);

  if (available && !available.includes('cddpm')) return <MissingWeights name="cddpm" />;
  const side = result?.side ?? 16;
  const cols = Math.min(s.n, 8);
  return (
    <div className="live" data-testid="sampler-widget">
      <BackendLine worker={worker} />
      <div className="live__controls">
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
          {!running && result ? `${result.n} samples, ${result.steps} ${s.sampler === 'ddpm' ? 'DDPM' : 'DDIM'} steps in ${(result.ms / 1000).toFixed(2)} s on ${result.backend} (weights after ${result.step} training steps)` : ''}
        </span>
      </div>
      {error && <p className="live__error">{error}</p>}
      <div className="live__row">
        <figure className="live__figure">
          <ImageGrid data={frame?.xt} n={s.n} side={side} cols={cols} scale={4} testId="frame-xt" />
          <figcaption>x<sub>t</sub> as it denoises{frame ? ` (t = ${frame.next})` : ''}</figcaption>
        </figure>
        <figure className="live__figure">
          <ImageGrid data={frame?.x0hat} n={s.n} side={side} cols={cols} scale={4} testId="frame-x0hat" />
          <figcaption>x̂₀ = (x<sub>t</sub> − √(1 − ᾱ<sub>t</sub>) ε̂)/√ᾱ<sub>t</sub> (D4){frame ? ` at t = ${frame.t}` : ''}</figcaption>
        </figure>
        <figure className="live__figure">
          <ImageGrid data={result?.images} n={result?.n ?? s.n} side={side} cols={cols} scale={4} labels={judged?.predicted.map((p) => `reads ${p}`)} testId="samples" />
          <figcaption>the samples x₀{judged && judged.asked !== null ? `: the judge read ${judged.predicted.filter((p) => p === judged.asked).length} of ${judged.predicted.length} as ${judged.asked}` : ''}</figcaption>
        </figure>
      </div>
    </div>
  );
}
