import React, { useState } from 'react';
import { BackendLine, Slider } from './parts';
import { record, useLiveWorker, type Progress } from './useLiveWorker';

/** The loss curve: every step's L_simple (faint) and its running mean over 25 steps, on a log axis. */
function LossCurve({ losses, steps }: { losses: number[]; steps: number }): React.JSX.Element {
  const W = 320;
  const H = 180;
  const positive = losses.filter((l) => l > 0);
  const lo = Math.log10(Math.min(0.2, ...positive));
  const hi = Math.log10(Math.max(1.5, ...positive));
  const x = (i: number) => 30 + ((W - 40) * i) / Math.max(1, steps - 1);
  const y = (l: number) => 10 + (H - 30) * (1 - (Math.log10(Math.max(l, 1e-9)) - lo) / (hi - lo));
  const smooth = losses.map((_, i) => {
    const a = Math.max(0, i - 24);
    return losses.slice(a, i + 1).reduce((s, v) => s + v, 0) / (i + 1 - a);
  });
  const path = (vals: number[]) => vals.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const ticks = [0.2, 0.5, 1].filter((t) => Math.log10(t) >= lo && Math.log10(t) <= hi);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="live__chart" data-testid="loss-curve" role="img" aria-label="training loss">
      {ticks.map((t) => (
        <g key={t} className="live__grid">
          <line x1="30" x2={W - 10} y1={y(t)} y2={y(t)} />
          <text x="26" y={y(t) + 3} textAnchor="end">{t}</text>
        </g>
      ))}
      <path d={path(losses)} className="live__loss-raw" />
      <path d={path(smooth)} className="live__loss" />
      <text x={W - 10} y={H - 6} textAnchor="end">step {losses.length} of {steps}</text>
      <text x="30" y={H - 6}>L<tspan baselineShift="sub" fontSize="7">simple</tspan> (log scale)</text>
    </svg>
  );
}

/** Points of the plane [−2.5, 2.5] × [−1.5, 2] (where two moons lie) as dots. */
function Scatter({ points }: { points?: Float32Array }): React.JSX.Element {
  const W = 260;
  const H = 180;
  const px = (v: number) => ((v + 2.5) / 5) * W;
  const py = (v: number) => H - ((v + 1.5) / 3.5) * H;
  const dots = [];
  for (let i = 0; points && i < points.length / 2; i++) dots.push(<circle key={i} cx={px(points[2 * i]!)} cy={py(points[2 * i + 1]!)} r="1.3" className="live__dot" />);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="live__chart" data-testid="moons" role="img" aria-label="samples">
      <rect x="0" y="0" width={W} height={H} className="live__plane-bg" />
      {dots}
    </svg>
  );
}

/** 4 · DDPM on two moons, trained in this page (core's MlpDenoiser and trainDdpm), with its loss and samples. */
export default function TwoMoonsWidget(): React.JSX.Element {
  const worker = useLiveWorker();
  const [steps, setSteps] = useState(600);
  const [lrExp, setLrExp] = useState(-2.7);
  const [seed, setSeed] = useState(0);
  const [losses, setLosses] = useState<number[]>([]);
  const [points, setPoints] = useState<Float32Array>();
  const [status, setStatus] = useState('');
  const [running, setRunning] = useState(false);

  const train = () => {
    setRunning(true);
    setLosses([]);
    setPoints(undefined);
    const all: number[] = [];
    const lr = 10 ** lrExp;
    worker
      .call<{ step: number; losses: number[]; ms: number; stopped: boolean }>('train2d', { steps, lr, seed, every: 50, batch: 256 }, (p: Progress) => {
        all.push(...(p.losses as number[]));
        setLosses([...all]);
        setPoints(p.points as Float32Array);
        setStatus(`step ${p.step as number} of ${steps}, ${((p.ms as number) / 1000).toFixed(1)} s`);
      })
      .then((r) => {
        setStatus(`${r.stopped ? 'stopped at' : 'trained'} ${r.step} steps in ${(r.ms / 1000).toFixed(1)} s on ${worker.backend}`);
        record('train2d', { losses: r.losses, step: r.step, ms: r.ms, stopped: r.stopped, settings: { steps, lr, seed } });
      })
      .catch((e: Error) => setStatus(e.message))
      .finally(() => setRunning(false));
  };
  return (
    <div className="live" data-testid="moons-widget">
      <BackendLine worker={worker} />
      <div className="live__controls">
        <Slider label="training steps" value={steps} min={50} max={3000} step={50} onChange={setSteps} testId="train-steps" />
        <Slider label="learning rate" value={lrExp} min={-4} max={-1.5} step={0.1} onChange={setLrExp} testId="lr" format={(v) => (10 ** v).toExponential(1)} />
        <label className="live__control">
          <span className="live__label">seed</span>
          <input type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Math.floor(Number(e.target.value) || 0)))} data-testid="train-seed" />
        </label>
      </div>
      <div className="live__bar">
        <button type="button" className="button button--primary" disabled={worker.status !== 'ready' || running} onClick={train} data-testid="train">
          {running ? 'Training…' : '▶ Train'}
        </button>
        <button type="button" className="button button--danger" disabled={!running} onClick={() => void worker.call('stop2d')} data-testid="stop-train">
          ■ Stop
        </button>
        <span className="live__status" data-testid="train-status">{status}</span>
      </div>
      <div className="live__row">
        <figure className="live__figure">
          <LossCurve losses={losses} steps={steps} />
          <figcaption>the training loss, per step and averaged over 25</figcaption>
        </figure>
        <figure className="live__figure">
          <Scatter points={points} />
          <figcaption>500 DDPM samples (F1, T = 100) from the model as it is now</figcaption>
        </figure>
      </div>
    </div>
  );
}
