/**
 * A PNG screenshot of a `scembed report` page (for the README): opens the HTML offline in headless
 * Chromium (Debian's /usr/bin/chromium or SCEMBED_CHROMIUM) at 1280 × 900, waits until the viewer
 * has drawn every view, and captures the page from the top, at most `maxHeight` pixels of it.
 *   npm run build && node dist/bench/report-screenshot.js report.html [report.png] [maxHeight]
 */
import { resolve } from "node:path";
import { chromiumPath, launchChromium, openReport } from "../test/helpers/browser.ts";

const [input, output = input?.replace(/\.html?$/i, "") + ".png", maxHeight = "2400"] = process.argv.slice(2);
if (!input) {
  console.error("usage: node dist/bench/report-screenshot.js <report.html> [out.png] [maxHeight]");
  process.exit(2);
}
const chromium = chromiumPath();
if (!chromium) {
  console.error("needs chromium (apt-get install chromium, or set SCEMBED_CHROMIUM)");
  process.exit(1);
}
const browser = await launchChromium(chromium);
try {
  const width = 1280;
  const p = await openReport(browser, resolve(input), { width, height: 900 });
  if (p.blocked.length > 0) console.warn(`blocked requests: ${p.blocked.join(", ")}`);
  if (p.errors.length > 0) console.warn(`page errors: ${p.errors.join("; ")}`);
  const height = await p.page.evaluate(() => document.documentElement.scrollHeight);
  const clip = { x: 0, y: 0, width, height: Math.min(height, Number(maxHeight)) };
  await p.page.screenshot({ path: output as `${string}.png`, clip, captureBeyondViewport: true });
  console.log(`${output}: ${clip.width} × ${clip.height} (page ready in ${p.readyMs.toFixed(0)} ms)`);
} finally {
  await browser.close();
}
