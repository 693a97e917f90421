import { useEffect, useRef, useState } from 'react';
import useBaseUrl from '@docusaurus/useBaseUrl';

export type Progress = Record<string, unknown>;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (p: Progress) => void };

export interface LiveWorker {
  /** 'starting' until the backend runs; then 'ready'; 'failed' with `error`. */
  readonly status: 'starting' | 'ready' | 'failed';
  readonly backend?: string;
  readonly skipped: { name: string; reason: string }[];
  readonly error?: string;
  /** Send a request; progress messages go to `onProgress`; resolves with the result. */
  call<T = Record<string, unknown>>(type: string, payload?: Record<string, unknown>, onProgress?: (p: Progress) => void): Promise<T>;
}

/** What the widgets last produced, for the browser tests (window.__live.<widget>). */
export function record(widget: string, value: unknown): void {
  const w = window as unknown as { __live?: Record<string, unknown> };
  (w.__live ??= {})[widget] = value;
}

/**
 * One worker per page (static/runtime/live.js): it starts the fastest backend once and keeps the loaded models, so
 * the controls only send new requests. `?backends=wasm,cpu` in the page's address shortens the backend chain.
 */
export function useLiveWorker(): LiveWorker {
  const workerUrl = useBaseUrl('/runtime/live.js');
  const base = useBaseUrl('/');
  const worker = useRef<Worker | null>(null);
  const pending = useRef(new Map<number, Pending>());
  const nextId = useRef(1);
  const [state, setState] = useState<Omit<LiveWorker, 'call'>>({ status: 'starting', skipped: [] });

  const call = useRef<LiveWorker['call']>(() => Promise.reject(new Error('the worker has not started')));
  useEffect(() => {
    const w = new Worker(workerUrl);
    worker.current = w;
    w.onmessage = (ev: MessageEvent<{ id: number; type: string; result?: unknown; error?: string } & Progress>) => {
      const m = ev.data;
      const p = pending.current.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(m);
      else {
        pending.current.delete(m.id);
        if (m.type === 'error') p.reject(new Error(m.error));
        else p.resolve(m.result);
      }
    };
    w.onerror = (ev) => setState((s) => ({ ...s, status: 'failed', error: ev.message || 'the worker failed to start' }));
    call.current = (type, payload = {}, onProgress) =>
      new Promise((resolve, reject) => {
        const id = nextId.current++;
        pending.current.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
        w.postMessage({ id, type, ...payload });
      });
    const backends = new URLSearchParams(window.location.search).get('backends') ?? undefined;
    call.current<{ backend: string; skipped: { name: string; reason: string }[] }>('init', { base, backends })
      .then((r) => {
        setState({ status: 'ready', backend: r.backend, skipped: r.skipped });
        record('backend', r);
      })
      .catch((e: Error) => setState({ status: 'failed', skipped: [], error: e.message }));
    return () => {
      w.terminate();
      pending.current.clear();
    };
  }, [workerUrl, base]);

  return { ...state, call: (...args) => call.current(...args) } as LiveWorker;
}

/** Which shipped checkpoints the build copied (static/weights/available.json). */
export function useAvailableWeights(): string[] | undefined {
  const url = useBaseUrl('/weights/available.json');
  const [models, setModels] = useState<string[]>();
  useEffect(() => {
    fetch(url)
      .then((r) => r.json() as Promise<{ models: string[] }>)
      .then((a) => setModels(a.models))
      .catch(() => setModels([]));
  }, [url]);
  return models;
}
