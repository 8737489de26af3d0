// TF.js's webgpu backend in Node: Dawn's WebGPU as navigator.gpu (and its globals, e.g.
// GPUBufferUsage), so the adapter's tests run without a browser. (The model.fit test runs in
// headless Chromium: test/integration/demo-browser.test.ts.)
import * as tf from "@tensorflow/tfjs-core";

let ready: Promise<typeof tf> | undefined;

export function tfWebGPU(): Promise<typeof tf> {
  ready ??= (async () => {
    const dawn = (await import("webgpu")) as unknown as { create(flags: string[]): GPU; globals: Record<string, unknown> };
    Object.assign(globalThis, dawn.globals);
    Object.defineProperty(globalThis, "navigator", { value: { gpu: dawn.create([]), userAgent: "node" }, configurable: true });
    await import("@tensorflow/tfjs-backend-webgpu");
    await import("@tensorflow/tfjs-core/dist/register_all_gradients");
    if (!(await tf.setBackend("webgpu"))) throw new Error("TF.js: the webgpu backend did not start");
    await tf.ready();
    return tf;
  })();
  return ready;
}
