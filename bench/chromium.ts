/** Headless Chromium for the benchmark and the browser tests: the system chromium, WebGPU on. */
import puppeteer, { type Browser } from "puppeteer-core";

export const kChromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: kChromiumPath,
    headless: true,
    // The benchmark's one page.evaluate runs for many minutes (puppeteer's default is 3).
    protocolTimeout: 60 * 60_000,
    args: [
      "--no-sandbox",
      "--enable-unsafe-webgpu",
      // Unquantised timestamp queries.
      "--enable-webgpu-developer-features",
      // Without these Chromium keeps dialling out on a closed network and stalls.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}
