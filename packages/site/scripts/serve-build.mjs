// A static server for build/ like any host (/x → /x/index.html, 404.html otherwise) and a headless Chromium, shared
// by the browser tests (test/*.test.mjs) and the live benchmark (scripts/bench-live.mjs).
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const site = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const buildDir = path.join(site, 'build');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.ipynb': 'application/x-ipynb+json', '.txt': 'text/plain', '.xml': 'application/xml' };

/** Serve build/ on 127.0.0.1 (a free port); resolves with { base, close }. */
export async function serveBuild() {
  if (!existsSync(path.join(buildDir, 'index.html'))) throw new Error('build/ is missing: run `pnpm --filter @ddpm-derived/site build:site` first');
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(buildDir, url);
    if (!file.startsWith(buildDir)) return res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!existsSync(file)) return res.writeHead(404, { 'content-type': 'text/html' }).end(readFileSync(path.join(buildDir, '404.html')));
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    // One byte range (bytes=a-b), as static hosts serve it: the runnable blocks read the head of the MNIST files so.
    const size = statSync(file).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
      if (start > end) return res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      res.writeHead(206, { 'content-type': type, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 });
      return createReadStream(file, { start, end }).pipe(res);
    }
    res.writeHead(200, { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': size });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Headless Chromium with the project's flags (no GPU here: the live pages fall back to wasm or cpu). */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}
