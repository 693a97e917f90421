// Stands in for tslab in the browser worker: display.svg/html/markdown post to the running block's panel, and
// newDisplay() gives a display that replaces its own previous output (a live loss curve redraws in place).
type Kind = 'svg' | 'html' | 'log';
let sink: (kind: Kind, content: string, slot?: number) => void = () => {};
export function setSink(f: typeof sink): void {
  sink = f;
}
function makeDisplay(slot?: number) {
  return {
    svg: (svg: string) => sink('svg', svg, slot),
    html: (html: string) => sink('html', html, slot),
    markdown: (text: string) => sink('log', text, slot),
    text: (text: string) => sink('log', text, slot),
  };
}
export const display = makeDisplay();
let slots = 0;
export function newDisplay(): ReturnType<typeof makeDisplay> {
  return makeDisplay(++slots);
}
