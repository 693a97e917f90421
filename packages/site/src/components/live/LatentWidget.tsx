import React, { useEffect, useRef, useState } from 'react';
import { BackendLine, ImageGrid, MissingWeights } from './parts';
import { record, useAvailableWeights, useLiveWorker } from './useLiveWorker';

const LIM = 3; // the plane shown: z ∈ [−3, 3]², where the prior N(0, I) puts 99.5 % of its mass
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** 3 · The VAE's 2-D latent plane: drag the point, see the decoder's digit; the shipped test digits at their μ. */
export default function LatentWidget(): React.JSX.Element {
  const available = useAvailableWeights();
  const worker = useLiveWorker();
  const [z, setZ] = useState<[number, number]>([0, 0]);
  const [image, setImage] = useState<{ data: Float32Array; side: number }>();
  const [encoded, setEncoded] = useState<{ mu: Float32Array; labels: number[]; step: number }>();
  const [error, setError] = useState<string>();
  const dragging = useRef(false);
  const busy = useRef(false);
  const wanted = useRef<[number, number] | null>(null);
  const ready = worker.status === 'ready' && available?.includes('vae2d');

  const decode = (p: [number, number]) => {
    wanted.current = p;
    if (busy.current || !ready) return;
    busy.current = true;
    const next = wanted.current;
    wanted.current = null;
    worker
      .call<{ z: number[]; side: number; image: Float32Array }>('decode', { z: next })
      .then((r) => {
        setImage({ data: r.image, side: r.side });
        record('decode', { z: r.z, side: r.side, image: Array.from(r.image) });
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => {
        busy.current = false;
        if (wanted.current) decode(wanted.current);
      });
  };
  useEffect(() => decode(z), [z, ready]);
  useEffect(() => {
    if (ready) worker.call<{ mu: Float32Array; labels: number[]; step: number }>('encodeDigits').then(setEncoded).catch((e: Error) => setError(e.message));
  }, [ready]);

  if (available && !available.includes('vae2d')) return <MissingWeights name="vae2d" />;
  const toPlane = (v: number) => ((v + LIM) / (2 * LIM)) * 100;
  const fromEvent = (e: React.PointerEvent<SVGSVGElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    const u = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    const v = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
    return [Number((-LIM + 2 * LIM * u).toFixed(3)), Number((LIM - 2 * LIM * v).toFixed(3))];
  };
  return (
    <div className="live" data-testid="latent-widget">
      <BackendLine worker={worker} />
      {error && <p className="live__error">{error}</p>}
      <div className="live__row">
        <figure className="live__figure live__plane-figure">
          <svg
            viewBox="0 0 100 100"
            className="live__plane"
            data-testid="plane"
            role="img"
            aria-label="latent plane"
            onPointerDown={(e) => {
              dragging.current = true;
              e.currentTarget.setPointerCapture(e.pointerId);
              setZ(fromEvent(e));
            }}
            onPointerMove={(e) => dragging.current && setZ(fromEvent(e))}
            onPointerUp={() => (dragging.current = false)}
          >
            <rect x="0" y="0" width="100" height="100" className="live__plane-bg" />
            {[-2, -1, 0, 1, 2].map((g) => (
              <g key={g} className="live__grid">
                <line x1={toPlane(g)} y1="0" x2={toPlane(g)} y2="100" />
                <line x1="0" y1={100 - toPlane(g)} x2="100" y2={100 - toPlane(g)} />
              </g>
            ))}
            {encoded &&
              encoded.labels.map((l, i) => (
                <circle key={i} cx={toPlane(encoded.mu[2 * i]!)} cy={100 - toPlane(encoded.mu[2 * i + 1]!)} r="1.1" fill={COLORS[l]} opacity="0.85" />
              ))}
            <circle cx={toPlane(z[0])} cy={100 - toPlane(z[1])} r="2.4" className="live__point" data-testid="point" />
          </svg>
          <figcaption>
            z = ({z[0].toFixed(2)}, {z[1].toFixed(2)}) on [−3, 3]²; dots: μ(x) of {encoded?.labels.length ?? '…'} test digits, coloured by label{' '}
            <span className="live__legend">
              {COLORS.map((c, d) => (
                <span key={d} style={{ color: c }}>
                  ● {d}{' '}
                </span>
              ))}
            </span>
          </figcaption>
        </figure>
        <figure className="live__figure">
          <ImageGrid data={image?.data} n={1} side={image?.side ?? 32} scale={6} testId="decoded" />
          <figcaption>the decoder’s x̂ = g(z){encoded ? ` (weights after ${encoded.step} steps)` : ''}</figcaption>
        </figure>
      </div>
      <div className="live__controls">
        {(['z₁', 'z₂'] as const).map((name, k) => (
          <label key={name} className="live__control">
            <span className="live__label">{name}</span>
            <input
              type="range"
              min={-LIM}
              max={LIM}
              step={0.01}
              value={z[k]}
              data-testid={`z${k + 1}`}
              onChange={(e) => setZ((old) => (k === 0 ? [Number(e.target.value), old[1]] : [old[0], Number(e.target.value)]))}
            />
            <output className="live__value">{z[k].toFixed(2)}</output>
          </label>
        ))}
      </div>
    </div>
  );
}
