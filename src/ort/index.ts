/**
 * webgpu-xent/ort: ONNX Runtime Web tensors on its WebGPU device in and out, no copies. An
 * ort.Tensor whose location is "gpu-buffer" is viewed in place (its dims and type); results go
 * back as ort.Tensors over our buffers (`ort.Tensor.fromGpuBuffer`), freed when ORT disposes them.
 * onnxruntime-web is an optional peer: this entry takes your `ort` and never imports it.
 */
import type * as ORT from "onnxruntime-web";
import { Xent } from "../xent.js";
import type { DType } from "../dtype.js";
import type { Tensor } from "../tensor.js";

/** The parts of the `ort` namespace (onnxruntime-web, or onnxruntime-web/webgpu) used here. */
export interface OrtLike {
  env: { webgpu: { device?: GPUDevice | Promise<GPUDevice> } };
  Tensor: typeof ORT.Tensor;
}

/** ORT's element types we read, and ours. */
const kTypes: Partial<Record<string, DType>> = { float32: "f32", int32: "i32", uint32: "u32", float16: "f16" };

export interface OrtXent {
  /** The Xent on ORT's device. */
  readonly xent: Xent;
  /** A view of an ort.Tensor on "gpu-buffer" (float32, int32, uint32 or float16): no copy. */
  wrap(tensor: ORT.Tensor): Tensor;
  /** Ours (f32, or i32: sampled tokens, indices) as an ort.Tensor over the same buffer, no copy; `dispose()` of the ort tensor destroys ours. */
  toOrt(tensor: Tensor<"f32"> | Tensor<"i32">): ORT.Tensor;
}

/**
 * The Xent on ONNX Runtime Web's WebGPU device. ORT makes its device when the first WebGPU
 * session is created: call this after `ort.InferenceSession.create(model, { executionProviders:
 * ["webgpu"] })` (or give ORT a device first with `ort.env.webgpu.device = device`).
 */
export async function ortXent(ort: OrtLike): Promise<OrtXent> {
  const device = await ort.env.webgpu.device;
  if (!device || typeof device.createBuffer !== "function")
    throw new TypeError("webgpu-xent/ort: ort.env.webgpu.device is not a GPUDevice yet: create a WebGPU InferenceSession first");
  const xent = Xent.fromDevice(device);
  return {
    xent,
    wrap(tensor) {
      if (tensor.location !== "gpu-buffer")
        throw new TypeError(`webgpu-xent/ort: wrap: expected an ort.Tensor on "gpu-buffer", got one on "${tensor.location}"`);
      const dtype = kTypes[tensor.type];
      if (!dtype) throw new TypeError(`webgpu-xent/ort: wrap: expected a float32, int32, uint32 or float16 tensor, got ${tensor.type}`);
      return xent.wrap(tensor.gpuBuffer, tensor.dims, dtype);
    },
    toOrt(tensor) {
      const dims = [...tensor.shape];
      const dispose = (): void => tensor.destroy();
      if (tensor.dtype === "i32")
        return ort.Tensor.fromGpuBuffer(tensor.buffer, {
          dataType: "int32",
          dims,
          download: async () => (await tensor.read()) as Int32Array<ArrayBuffer>,
          dispose,
        });
      return ort.Tensor.fromGpuBuffer(tensor.buffer, {
        dataType: "float32",
        dims,
        download: async () => (await tensor.read()) as Float32Array<ArrayBuffer>,
        dispose,
      });
    },
  };
}
