import React, { useEffect, useRef } from 'react';
import type { LiveWorker } from './useLiveWorker';

/**
 * Images with values in [−1, 1] (n × side × side, row-major) drawn as a grid of `cols`, each pixel a `scale`×`scale`
 * block (nearest neighbour: the pixels stay visible). `labels` (one per image) are written under the images.
 */
export function ImageGrid({ data, n, side, cols = n, scale = 6, labels, testId }: { data?: Float32Array | number[]; n: number; side: number; cols?: number; scale?: number; labels?: string[]; testId?: string }): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  const rows = Math.ceil(n / cols);
  const gap = 2;
  const label = labels ? 14 : 0;
  const width = cols * (side * scale + gap) - gap;
  const height = rows * (side * scale + gap + label) - gap;
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    ctx.fillStyle = '#888';
    ctx.fillRect(0, 0, c.width, c.height);
    if (!data) return;
    const img = ctx.createImageData(side, side);
    const tile = document.createElement('canvas');
    tile.width = tile.height = side;
    const tctx = tile.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.font = '11px sans-serif';
    ctx.textAlign = 'center';
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < side * side; i++) {
        const v = Math.round(((Math.max(-1, Math.min(1, data[k * side * side + i]!)) + 1) / 2) * 255);
        img.data.set([v, v, v, 255], 4 * i);
      }
      tctx.putImageData(img, 0, 0);
      const x = (k % cols) * (side * scale + gap);
      const y = Math.floor(k / cols) * (side * scale + gap + label);
      ctx.drawImage(tile, x, y, side * scale, side * scale);
      if (labels?.[k] !== undefined) {
        ctx.fillStyle = '#fff';
        ctx.fillRect(x, y + side * scale, side * scale, label);
        ctx.fillStyle = '#000';
        ctx.fillText(labels[k]!, x + (side * scale) / 2, y + side * scale + 11);
      }
    }
  }, [data, n, side, cols, scale, labels]);
  return <canvas ref={ref} width={width} height={height} className="live__canvas" data-testid={testId} style={{ maxWidth: '100%', height: 'auto', imageRendering: 'pixelated' }} />;
}

/** The backend the page's worker runs on, and the faster ones it could not start (with why). */
export function BackendLine({ worker }: { worker: LiveWorker }): React.JSX.Element {
  if (worker.status === 'failed') return <p className="live__error" data-testid="backend-error">The model worker could not start: {worker.error}</p>;
  if (worker.status === 'starting') return <p className="live__backend">Starting TensorFlow.js…</p>;
  return (
    <p className="live__backend">
      Running in this page’s Web Worker on the <strong data-testid="backend">{worker.backend}</strong> backend
      {worker.skipped.length > 0 && (
        <span className="live__skipped" title={worker.skipped.map((s) => `${s.name}: ${s.reason}`).join('\n')}>
          {' '}(not {worker.skipped.map((s) => s.name).join(', ')}: {worker.skipped.map((s) => `${s.name} — ${s.reason}`).join('; ')})
        </span>
      )}
      .
    </p>
  );
}

/** A labelled range input whose value is shown beside it. */
export function Slider({ label, value, min, max, step = 1, onChange, testId, format = String }: { label: React.ReactNode; value: number; min: number; max: number; step?: number; onChange: (v: number) => void; testId?: string; format?: (v: number) => string }): React.JSX.Element {
  return (
    <label className="live__control">
      <span className="live__label">{label}</span>
      <input type="range" min={min} max={max} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId} />
      <output className="live__value">{format(value)}</output>
    </label>
  );
}

/** A note for a page whose checkpoint is not in this build. */
export function MissingWeights({ name }: { name: string }): React.JSX.Element {
  return (
    <p className="live__error" data-testid="missing-weights">
      This build ships no <code>weights/{name}</code> checkpoint, so this widget cannot run. The repository’s <code>weights/</code>{' '}
      folder is copied into the site when it is built.
    </p>
  );
}
