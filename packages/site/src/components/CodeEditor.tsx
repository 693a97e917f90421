import React, { useEffect, useRef } from 'react';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { javascript } from '@codemirror/lang-javascript';

/**
 * The runnable blocks' editor: CodeMirror 6 with TypeScript highlighting. Keyboard: Tab indents, but Escape then Tab
 * leaves the editor (CodeMirror's tab-trapping escape), so the page stays keyboard-navigable; Ctrl/⌘-Enter runs.
 * Long lines wrap, so that a 390 px phone never scrolls the page sideways.
 */
export default function CodeEditor({ value, onChange, onRun }: { value: string; onChange: (v: string) => void; onRun?: () => void }): React.JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onRun });
  callbacks.current = { onChange, onRun };

  useEffect(() => {
    const run = () => {
      callbacks.current.onRun?.();
      return true;
    };
    view.current = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          indentOnInput(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          javascript({ typescript: true }),
          EditorView.lineWrapping,
          keymap.of([{ key: 'Mod-Enter', run }, ...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorView.contentAttributes.of({ 'aria-label': 'editable code (Escape then Tab leaves the editor)' }),
          EditorView.updateListener.of((u) => u.docChanged && callbacks.current.onChange(u.state.doc.toString())),
        ],
      }),
    });
    return () => view.current?.destroy();
    // The editor is created once; later `value` changes (Reset) are pushed in by the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div ref={host} className="runnable__editor" data-testid="editor" />;
}
