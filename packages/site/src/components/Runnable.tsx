import React, { useEffect, useRef, useState } from 'react';
import useBaseUrl from '@docusaurus/useBaseUrl';

type Output = { kind: 'log' | 'svg' | 'error' | 'info'; text: string };

/**
 * An editable TypeScript block that runs in a Web Worker (static/runtime/worker.js: core + tfjs + sucrase). On a
 * notebook page the cells above it run first, silently, so the block sees their variables; Stop terminates the worker.
 */
export default function Runnable({ code, notebook, cell = -1 }: { code: string; notebook?: string; cell?: number }): React.JSX.Element {
  const [source, setSource] = useState(code);
  const [outputs, setOutputs] = useState<Output[]>([]);
  const [running, setRunning] = useState(false);
  const worker = useRef<Worker | null>(null);
  const workerUrl = useBaseUrl('/runtime/worker.js');
  const cellsUrl = useBaseUrl(`/notebooks/${notebook ?? ''}.cells.json`);
  useEffect(() => () => worker.current?.terminate(), []);

  const stop = (why?: string) => {
    worker.current?.terminate();
    worker.current = null;
    setRunning(false);
    if (why) setOutputs((o) => [...o, { kind: 'info', text: why }]);
  };

  const run = async () => {
    stop();
    setOutputs([]);
    setRunning(true);
    let prelude: string[] = [];
    try {
      if (notebook && cell > 0) prelude = ((await (await fetch(cellsUrl)).json()) as string[]).slice(0, cell);
    } catch (e) {
      setOutputs([{ kind: 'error', text: `could not load the notebook's earlier cells: ${String(e)}` }]);
    }
    const w = new Worker(workerUrl);
    worker.current = w;
    w.onmessage = (ev: MessageEvent<{ type: string; text?: string; svg?: string; ms?: number; backend?: string }>) => {
      const m = ev.data;
      if (m.type === 'log') setOutputs((o) => [...o, { kind: 'log', text: m.text ?? '' }]);
      else if (m.type === 'svg') setOutputs((o) => [...o, { kind: 'svg', text: m.svg ?? '' }]);
      else if (m.type === 'error') setOutputs((o) => [...o, { kind: 'error', text: m.text ?? '' }]);
      if (m.type === 'done' || m.type === 'error') {
        if (m.type === 'done') setOutputs((o) => [...o, { kind: 'info', text: `done in ${((m.ms ?? 0) / 1000).toFixed(2)} s on the ${m.backend} backend` }]);
        stop();
      }
    };
    w.onerror = (ev) => {
      setOutputs((o) => [...o, { kind: 'error', text: ev.message || 'the worker failed to start' }]);
      stop();
    };
    w.postMessage({ type: 'run', prelude, code: source });
  };

  return (
    <div className="runnable" data-testid="runnable">
      <textarea
        className="runnable__editor"
        spellCheck={false}
        value={source}
        rows={Math.min(30, source.split('\n').length + 1)}
        onChange={(e) => setSource(e.target.value)}
        aria-label="editable code"
      />
      <div className="runnable__bar">
        <button type="button" className="button button--sm button--success" onClick={() => void run()} disabled={running} data-testid="run">
          {running ? 'Running…' : '▶ Run'}
        </button>
        <button type="button" className="button button--sm button--danger" onClick={() => stop('stopped')} disabled={!running} data-testid="stop">
          ■ Stop
        </button>
        {source !== code && (
          <button type="button" className="button button--sm button--secondary" onClick={() => setSource(code)}>
            Reset
          </button>
        )}
        {notebook && cell > 0 && <span className="runnable__hint">runs the {cell} cell{cell > 1 ? 's' : ''} above first</span>}
      </div>
      {outputs.length > 0 && (
        <div className="runnable__output" data-testid="output">
          {outputs.map((o, k) =>
            o.kind === 'svg' ? (
              <img key={k} className="runnable__svg" alt="plot" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(o.text)}`} />
            ) : (
              <pre key={k} className={`runnable__${o.kind}`}>{o.text}</pre>
            ),
          )}
        </div>
      )}
    </div>
  );
}
