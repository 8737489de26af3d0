/**
 * GPU timing for the benchmark. With `timestamp-query`: K back-to-back ops recorded into one
 * encoder between two empty timestamped passes; else the wall time of that submit until
 * onSubmittedWorkDone. Either way per-op time = total / K, and the median of `reps` runs.
 */
export type TimingSource = "gpu-timestamp" | "wall";

export interface Timer {
  source: TimingSource;
  /** Median ms per op over `reps` runs of K ops each. `record` records one op into the encoder. */
  time(record: (encoder: GPUCommandEncoder) => void, k: number, reps: number, cleanup?: () => void): Promise<number>;
  destroy(): void;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const kQueryResolve = 0x0200;
const kCopySrc = 0x4;
const kCopyDst = 0x8;
const kMapRead = 0x1;

export function makeTimer(device: GPUDevice, useTimestamps = true): Timer {
  const timestamps = useTimestamps && device.features.has("timestamp-query");
  const querySet = timestamps ? device.createQuerySet({ type: "timestamp", count: 2, label: "bench:timestamps" }) : undefined;
  const resolve = timestamps ? device.createBuffer({ size: 16, usage: kQueryResolve | kCopySrc, label: "bench:resolve" }) : undefined;
  return {
    source: timestamps ? "gpu-timestamp" : "wall",
    async time(record, k, reps, cleanup) {
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) {
        const encoder = device.createCommandEncoder({ label: "bench" });
        if (querySet) encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();
        for (let i = 0; i < k; i++) record(encoder);
        let readback: GPUBuffer | undefined;
        if (querySet && resolve) {
          encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
          encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
          readback = device.createBuffer({ size: 16, usage: kMapRead | kCopyDst });
          encoder.copyBufferToBuffer(resolve, 0, readback, 0, 16);
        }
        const start = performance.now();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        const wall = performance.now() - start;
        if (readback) {
          await readback.mapAsync(kMapRead);
          const [t0, t1] = new BigUint64Array(readback.getMappedRange());
          readback.destroy();
          const ns = Number((t1 as bigint) - (t0 as bigint));
          samples.push(ns > 0 ? ns / 1e6 / k : wall / k);
        } else {
          samples.push(wall / k);
        }
        cleanup?.();
      }
      return median(samples);
    },
    destroy() {
      querySet?.destroy();
      resolve?.destroy();
    },
  };
}
