// Stands in for tslab in the browser: the notebooks' show() calls tslab.display.svg, which here posts to the page.
let sink: (svg: string) => void = () => {};
export function setSink(f: (svg: string) => void): void {
  sink = f;
}
export const display = {
  svg: (svg: string) => sink(svg),
  html: (html: string) => sink(html),
};
