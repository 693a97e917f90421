/** True when NOTEBOOK_SMOKE=1 (CI's default): long computations shrink. */
export declare const smoke: boolean;
/** The full size normally, the smoke size under NOTEBOOK_SMOKE=1. */
export declare function size<T>(full: T, smokeSize: T): T;
/** Use the cpu backend; resolves to its name. */
export declare function initBackend(): Promise<string>;
/** A derivation step's check: prints ✓, or throws naming the step. */
export declare function check(label: string, ok: boolean, detail?: string): void;
/** |actual − expected| ≤ max(abs, rel·|expected|), else throws naming the step. */
export declare function checkClose(label: string, actual: number, expected: number, tol: { rel?: number; abs?: number }): void;
/** n points (x, f(x)) with x evenly spaced from `from` to `to`, both included: a curve for linePlot or histogramPlot. */
export declare function curve(f: (x: number) => number, from: number, to: number, n: number): Array<[number, number]>;
// Figures (lib/plots.js). Labels, titles and series names may hold math between $ signs ('$x_{t−1}$', '$σ^2_t$'),
// set with real subscripts and superscripts.
/** The width (px) a figure gets on a 390 px phone, and the least font size (px) it must show there. */
export declare const PHONE_WIDTH: number;
export declare const MIN_PHONE_FONT: number;
export declare const MIN_PHONE_SCRIPT: number;
/** A log axis's tick label: decimals from 0.001 to 99999, else m×10ⁿ. */
export declare function logTickFormat(v: number): string;
/** A log axis's ticks over [lo, hi]: powers of ten (with 2× and 5× over fewer than three decades). */
export declare function logTicks(lo: number, hi: number): number[];
/** Render an Observable Plot specification to an SVG string, framed with a title and a legend above it. */
export declare function plotSvg(spec: Record<string, unknown>, options?: { title?: string; legend?: string[] }): string;
/** Display an SVG string in the notebook (image/svg+xml). */
export declare function show(svg: string): void;
export declare function linePlot(o: { series: Record<string, Array<[number, number]>>; x?: string; y?: string; yType?: 'linear' | 'log'; title?: string; width?: number; height?: number }): string;
export declare function histogramPlot(o: { samples: ArrayLike<number>; curves?: Record<string, Array<[number, number]>>; x?: string; title?: string; bins?: number; width?: number; height?: number }): string;
export declare function scatterPlot(o: { sets: Record<string, ArrayLike<number>>; title?: string; x?: string; y?: string; width?: number; height?: number }): string;
/** A heat map with a colour bar: 'log' for positive values spanning decades, 'diverging' for signed ones (centred at 0). */
export declare function heatmapPlot(o: { xs: number[]; ys: number[]; z: (x: number, y: number) => number; x?: string; y?: string; color?: 'log' | 'linear' | 'diverging'; colorLabel?: string; title?: string; width?: number; height?: number }): string;
export declare function imageGridPlot(o: { images: ArrayLike<number>[]; h: number; w: number; labels?: string[]; title?: string; cell?: number }): string;
/** A labelled grid of digit images (core's PNG grid scaled up by nearest neighbour), as an SVG string. */
export declare function digitGrid(o: { images: import('@tensorflow/tfjs-core').Tensor4D; cols: number; rowLabels?: (string | number)[]; colLabels?: (string | number)[]; title?: string; scale?: number; rowTitle?: string; colTitle?: string }): string;
