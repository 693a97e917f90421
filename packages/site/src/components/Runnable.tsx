import React, { useEffect, useRef, useState } from 'react';
import useBaseUrl from '@docusaurus/useBaseUrl';
import { startRun, warmUp, type WorkerMessage } from './runtime-pool';
import CodeEditor from './CodeEditor';

type Output = { kind: 'log' | 'svg' | 'html' | 'error' | 'info'; text: string; slot?: number };

/**
 * An editable TypeScript block that runs in the page's Web Worker (static/runtime/worker.js: core + tfjs + sucrase,
 * kept warm by runtime-pool.ts). On a notebook page the cells above it run first, silently, so the block sees their
 * variables. A block whose code needs what a browser lacks (`notRunnable`, set by scripts/generate.mjs) says why
 * instead of offering Run.
 */
export default function Runnable({ code, notebook, cell = -1, notRunnable }: { code: string; notebook?: string; cell?: number; notRunnable?: string }): React.JSX.Element {
  const [source, setSource] = useState(code);
  const [outputs, setOutputs] = useState<Output[]>([]);
  const [running, setRunning] = useState(false);
  const stopRef = useRef<(() => void) | null>(null);
  const workerUrl = useBaseUrl('/runtime/worker.js');
  const cellsUrl = useBaseUrl(`/notebooks/${notebook ?? ''}.cells.json`);
  useEffect(() => {
    if (!notRunnable) warmUp(workerUrl);
  }, [workerUrl, notRunnable]);
  useEffect(() => () => stopRef.current?.(), []);

  const add = (o: Output) =>
    setOutputs((all) => {
      // A tslab newDisplay() output replaces that display's previous one (a live plot redraws in place).
      const k = o.slot === undefined ? -1 : all.findIndex((p) => p.slot === o.slot);
      return k < 0 ? [...all, o] : [...all.slice(0, k), o, ...all.slice(k + 1)];
    });

  const run = async () => {
    stopRef.current?.();
    setOutputs([]);
    setRunning(true);
    let prelude: string[] = [];
    try {
      if (notebook && cell > 0) prelude = ((await (await fetch(cellsUrl)).json()) as string[]).slice(0, cell);
    } catch (e) {
      add({ kind: 'error', text: `could not load the notebook's earlier cells: ${String(e)}` });
    }
    const onMessage = (m: WorkerMessage) => {
      if (m.type === 'log') add({ kind: 'log', text: m.text ?? '', slot: m.slot });
      else if (m.type === 'svg' || m.type === 'html') add({ kind: m.type, text: m.text ?? '', slot: m.slot });
      else if (m.type === 'error') {
        const where = m.line !== undefined ? ` (line ${m.line}${m.column !== undefined ? `, column ${m.column}` : ''})` : m.inPrelude ? ' (in a cell above this block)' : '';
        add({ kind: 'error', text: `${m.text ?? ''}${where}` });
      } else if (m.type === 'done') add({ kind: 'info', text: `done in ${((m.ms ?? 0) / 1000).toFixed(2)} s on the ${m.backend} backend` });
      if (m.type === 'done' || m.type === 'error') {
        stopRef.current = null;
        setRunning(false);
      }
    };
    const onStopped = () => {
      stopRef.current = null;
      setRunning(false);
      add({ kind: 'info', text: 'stopped' });
    };
    stopRef.current = startRun(workerUrl, prelude, source, onMessage, onStopped).stop;
  };

  return (
    <div className="runnable" data-testid="runnable" data-not-runnable={notRunnable ? 'true' : undefined}>
      <CodeEditor value={source} onChange={setSource} onRun={notRunnable ? undefined : () => void run()} />
      <div className="runnable__bar">
        {notRunnable ? (
          <span className="runnable__hint" data-testid="not-runnable">
            Not runnable in the browser: {notRunnable}. Run the notebook in Jupyter instead.
          </span>
        ) : (
          <>
            <button type="button" className="button button--sm button--success" onClick={() => void run()} disabled={running} data-testid="run">
              {running ? 'Running…' : '▶ Run'}
            </button>
            <button type="button" className="button button--sm button--danger" onClick={() => stopRef.current?.()} disabled={!running} data-testid="stop">
              ■ Stop
            </button>
          </>
        )}
        {source !== code && (
          <button type="button" className="button button--sm button--secondary" onClick={() => setSource(code)}>
            Reset
          </button>
        )}
        {!notRunnable && notebook && cell > 0 && <span className="runnable__hint">runs the {cell} cell{cell > 1 ? 's' : ''} above first · Ctrl/⌘-Enter runs</span>}
      </div>
      {outputs.length > 0 && (
        <div className="runnable__output" data-testid="output" aria-live="polite">
          {outputs.map((o, k) =>
            o.kind === 'svg' ? (
              <img key={k} className="runnable__svg" alt="plot" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(o.text)}`} />
            ) : o.kind === 'html' ? (
              <div key={k} className="runnable__html" dangerouslySetInnerHTML={{ __html: o.text }} />
            ) : (
              <pre key={k} className={`runnable__${o.kind}`}>{o.text}</pre>
            ),
          )}
        </div>
      )}
    </div>
  );
}
