#!/usr/bin/env node
// Renders resources/icon.svg into the PNG sizes the installers use (resources/icon.png for
// Windows and macOS, which electron-builder converts to .ico and .icns; resources/icons/NxN.png
// for Linux). Run after changing the SVG: node scripts/render-icons.mjs
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const svg = readFileSync('resources/icon.svg', 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage();
for (const size of [16, 32, 48, 64, 128, 256, 512]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`,
  );
  const options = { omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } };
  await page.screenshot({ ...options, path: `resources/icons/${size}x${size}.png` });
  if (size === 512) await page.screenshot({ ...options, path: 'resources/icon.png' });
}
await browser.close();
