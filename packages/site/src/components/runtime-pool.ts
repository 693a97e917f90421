// The runnable blocks' worker, shared by every block of a page and kept warm: the 2.7 MB bundle loads and the
// TensorFlow.js backend starts once, in the background, when the first block mounts; a Run then only posts a message.
// Stop cannot interrupt a synchronous loop inside a worker, so it terminates the worker and starts a fresh one in the
// background for the next Run.

export type WorkerMessage = {
  type: 'ready' | 'log' | 'svg' | 'html' | 'error' | 'done';
  id?: number;
  text?: string;
  slot?: number;
  ms?: number;
  backend?: string;
  line?: number;
  column?: number;
  inPrelude?: boolean;
};

type Listener = (m: WorkerMessage) => void;

let url = '';
let worker: Worker | undefined;
let busyWith: { id: number; listener: Listener; onStopped: () => void; worker: Worker } | undefined;
let nextId = 1;

function spawn(): Worker {
  const w = new Worker(url);
  w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
    const m = ev.data;
    if (busyWith && w === busyWith.worker && m.id === busyWith.id) {
      const { listener } = busyWith;
      if (m.type === 'done' || m.type === 'error') busyWith = undefined;
      listener(m);
    }
  };
  w.onerror = (ev) => {
    ev.preventDefault();
    if (busyWith?.worker === w) {
      const { listener, id } = busyWith;
      busyWith = undefined;
      listener({ type: 'error', id, text: ev.message || 'the worker failed' });
    }
  };
  return w;
}

/** Start the page's worker ahead of the first Run (called when a block mounts; later calls do nothing). */
export function warmUp(workerUrl: string): void {
  url = workerUrl;
  worker ??= spawn();
}

/**
 * Run a block. One run at a time per page: a Run while another block runs stops that one first (its listener hears
 * onStopped). Returns the run's id and its Stop.
 */
export function startRun(workerUrl: string, prelude: string[], code: string, listener: Listener, onStopped: () => void): { id: number; stop: () => void } {
  warmUp(workerUrl);
  if (busyWith) stopCurrent();
  const id = nextId++;
  busyWith = { id, listener, onStopped, worker: worker! };
  worker!.postMessage({ type: 'run', id, prelude, code });
  return { id, stop: () => busyWith?.id === id && stopCurrent() };
}

/** Terminate the worker (ending whatever it runs) and start a fresh one in the background. */
function stopCurrent(): void {
  const stopped = busyWith;
  busyWith = undefined;
  worker?.terminate();
  worker = spawn();
  stopped?.onStopped();
}
