// Bad arguments throw synchronously, naming the argument, the expected and the actual value.
import { describe, expect, it } from "vitest";
import { Tensor } from "../../src/index.js";
import { gpu } from "../helpers/gpu.js";

describe("argument errors", () => {
  it("tensor(): data, shape and size mismatches", async () => {
    const xent = await gpu();
    expect(() => xent.tensor(new Float64Array(3) as unknown as Float32Array)).toThrow(
      /tensor: data: expected a Float32Array, Int32Array, Uint32Array, Uint16Array \(f16\/bf16 bits\) or number\[\], got a Float64Array/,
    );
    expect(() => xent.tensor(new Float32Array(6), [2, 4])).toThrow(RangeError);
    expect(() => xent.tensor(new Float32Array(6), [2, 4])).toThrow("tensor: shape [2, 4] holds 8 elements, but data has 6");
    expect(() => xent.tensor(new Float32Array(6), [2, -3])).toThrow(TypeError);
    expect(() => xent.tensor(new Float32Array(6), [2, 3.5])).toThrow(
      "tensor: shape[1]: expected a non-negative integer dimension size, got 3.5",
    );
    expect(xent.tensor([1, 2, 3]).dtype).toBe("f32");
    expect(xent.tensor(new Int32Array(2)).dtype).toBe("i32");
  });

  it("softmax: dim, temperature, dtype, options, destroyed tensors", async () => {
    const xent = await gpu();
    const x = xent.tensor(new Float32Array(6), [2, 3]);
    expect(() => xent.softmax(x, { dim: 2 })).toThrow(RangeError);
    expect(() => xent.softmax(x, { dim: 2 })).toThrow("softmax: dim: expected a dimension in [-2, 1], got 2");
    expect(() => xent.softmax(x, { dim: -3 })).toThrow(RangeError);
    expect(() => xent.softmax(x, { dim: 0.5 })).toThrow(TypeError);
    expect(() => xent.softmax(x, { dim: "1" as unknown as number })).toThrow('softmax: dim: expected an integer, got "1"');
    expect(() => xent.softmax(x, { temperature: 0 })).toThrow("softmax: temperature: expected a finite number > 0, got 0");
    expect(() => xent.logSoftmax(x, { temperature: NaN })).toThrow(RangeError);
    expect(() => xent.softmax(x, { temprature: 2 } as never)).toThrow(/softmax: unknown option "temprature"/);
    expect(() => xent.softmax(x, 3 as never)).toThrow("softmax: options: expected an object, got 3");
    expect(() => xent.softmax(new Float32Array(3) as unknown as Tensor)).toThrow(
      "softmax: x: expected a Tensor (from xent.tensor() or xent.wrap()), got a Float32Array of length 3",
    );
    expect(() => xent.softmax(xent.tensor(new Int32Array(3)))).toThrow("softmax: x: expected dtype f32, f16 or bf16, got i32");
    expect(() => xent.sigmoid(xent.tensor(new Uint32Array(3)))).toThrow(TypeError);
    x.destroy();
    expect(() => xent.softmax(x)).toThrow(/softmax: x: tensor \[2, 3\] f32 was destroyed/);
    await expect(x.read()).rejects.toThrow(/was destroyed/);
  });

  it("wrap(): buffer usage, size and dtype", async () => {
    const xent = await gpu();
    const storage = xent.device.createBuffer({ size: 64, usage: 0x80 | 0x4 | 0x8 });
    const t = xent.wrap(storage, [4, 4], "f32");
    expect(t.shape).toEqual([4, 4]);
    expect(() => xent.wrap(storage, [5, 4], "f32")).toThrow("wrap: shape [5, 4] f32 needs 80 bytes, but the buffer has 64");
    expect(() => xent.wrap(storage, [4], "f64" as never)).toThrow(TypeError);
    const uniform = xent.device.createBuffer({ size: 64, usage: 0x40 });
    expect(() => xent.wrap(uniform, [4], "f32")).toThrow(/STORAGE/);
    // Wrapped buffers are the caller's: destroy() leaves them usable.
    t.destroy();
    expect(() => xent.wrap(storage, [4], "f32")).not.toThrow();
    storage.destroy();
    uniform.destroy();
  });
});
