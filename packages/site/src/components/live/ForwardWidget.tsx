import React, { useEffect, useRef, useState } from 'react';
import { BackendLine, ImageGrid, Slider } from './parts';
import { record, useLiveWorker } from './useLiveWorker';

interface ForwardResult {
  t: number;
  T: number;
  alphaBar: number;
  snr: number;
  label: number;
  side: number;
  x0: Float32Array;
  xt: Float32Array;
}

const DIGIT_CHOICES = 10;

/** 1 · The forward process q(x_t | x_0) on a real MNIST test digit: a t slider, with ᾱ_t and the SNR (C9). */
export default function ForwardWidget(): React.JSX.Element {
  const worker = useLiveWorker();
  const [digit, setDigit] = useState(0);
  const [t, setT] = useState(250);
  const [noiseSeed, setNoiseSeed] = useState(0);
  const [result, setResult] = useState<ForwardResult>();
  const [error, setError] = useState<string>();
  // The latest settings win: while one request runs, a newer one waits, and those in between are dropped.
  const busy = useRef(false);
  const wanted = useRef<{ digit: number; t: number; noiseSeed: number } | null>(null);

  const request = (p: { digit: number; t: number; noiseSeed: number }) => {
    wanted.current = p;
    if (busy.current || worker.status !== 'ready') return;
    busy.current = true;
    const next = wanted.current;
    wanted.current = null;
    worker
      .call<ForwardResult>('forward', next)
      .then((r) => {
        setResult(r);
        setError(undefined);
        record('forward', { ...r, digit: next.digit, noiseSeed: next.noiseSeed, x0: undefined, xt: Array.from(r.xt) });
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => {
        busy.current = false;
        if (wanted.current) request(wanted.current);
      });
  };
  useEffect(() => request({ digit, t, noiseSeed }), [digit, t, noiseSeed, worker.status]);

  const snrText = (s: number) => (Number.isFinite(s) ? (s >= 0.01 && s < 1e4 ? s.toPrecision(4) : s.toExponential(3)) : '∞');
  return (
    <div className="live" data-testid="forward-widget">
      <BackendLine worker={worker} />
      <div className="live__controls">
        <Slider label={<>step <i>t</i></>} value={t} min={0} max={result?.T ?? 1000} onChange={setT} testId="t" />
        <label className="live__control">
          <span className="live__label">noise seed</span>
          <input type="number" min={0} value={noiseSeed} onChange={(e) => setNoiseSeed(Math.max(0, Math.floor(Number(e.target.value) || 0)))} data-testid="noise-seed" />
        </label>
      </div>
      <div className="live__digits" role="group" aria-label="test digit">
        {Array.from({ length: DIGIT_CHOICES }, (_, k) => (
          <button key={k} type="button" className={`button button--sm ${k === digit ? 'button--primary' : 'button--secondary'}`} onClick={() => setDigit(k)} data-testid={`digit-${k}`}>
            test digit {k + 1}
          </button>
        ))}
      </div>
      {error && <p className="live__error">{error}</p>}
      <div className="live__row">
        <figure className="live__figure">
          <ImageGrid data={result?.x0} n={1} side={result?.side ?? 32} scale={6} testId="x0" />
          <figcaption>x₀ (a “{result?.label ?? '…'}” from the MNIST test set)</figcaption>
        </figure>
        <figure className="live__figure">
          <ImageGrid data={result?.xt} n={1} side={result?.side ?? 32} scale={6} testId="xt" />
          <figcaption>x<sub>t</sub> = √ᾱ<sub>t</sub> x₀ + √(1 − ᾱ<sub>t</sub>) ε at t = {result?.t ?? t}</figcaption>
        </figure>
        <table className="live__numbers">
          <tbody>
            <tr>
              <th>t</th>
              <td data-testid="t-value">{result?.t ?? '…'}</td>
            </tr>
            <tr>
              <th>ᾱ<sub>t</sub></th>
              <td data-testid="alpha-bar" data-value={result?.alphaBar}>{result ? result.alphaBar.toPrecision(6) : '…'}</td>
            </tr>
            <tr>
              <th>√ᾱ<sub>t</sub> (signal scale)</th>
              <td>{result ? Math.sqrt(result.alphaBar).toPrecision(4) : '…'}</td>
            </tr>
            <tr>
              <th>SNR(t) = ᾱ<sub>t</sub>/(1 − ᾱ<sub>t</sub>) (C9)</th>
              <td data-testid="snr" data-value={result?.snr}>{result ? snrText(result.snr) : '…'}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
