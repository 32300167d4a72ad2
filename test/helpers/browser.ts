/**
 * Headless Chromium for the report page tests (Debian's /usr/bin/chromium, or SCEMBED_CHROMIUM),
 * driven by puppeteer-core (no browser download). Pages open offline: every request other than
 * the page's own file:// URL is aborted and recorded, and console errors and page errors are kept.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import type { ReportViewerApi } from "../../src/report/page/render.ts";

export const CHROMIUM_SKIP = "needs chromium (apt-get install chromium)";

export function chromiumPath(): string | undefined {
  const path = process.env["SCEMBED_CHROMIUM"] || "/usr/bin/chromium";
  return existsSync(path) ? path : undefined;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"],
  });
}

export interface OfflinePage {
  page: Page;
  /** URLs the page tried to fetch (all aborted) */
  blocked: string[];
  /** console errors and uncaught page errors */
  errors: string[];
  /** milliseconds from navigation start until `window.scembedReport.ready` */
  readyMs: number;
}

/** Opens an HTML file offline at the given viewport and waits for the report viewer to be ready. */
export async function openReport(
  browser: Browser,
  htmlPath: string,
  viewport = { width: 1280, height: 900 },
  timeoutMs = 30_000,
): Promise<OfflinePage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const url = pathToFileURL(htmlPath).href;
  const blocked: string[] = [];
  const errors: string[] = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    if (request.url() === url) void request.continue();
    else {
      blocked.push(request.url());
      void request.abort();
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${String(error)}`));
  const start = performance.now();
  await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
  await page.waitForFunction(
    () => (window as unknown as { scembedReport?: ReportViewerApi }).scembedReport?.ready === true,
    { timeout: timeoutMs, polling: 50 },
  );
  return { page, blocked, errors, readyMs: performance.now() - start };
}
