/**
 * Reused GPU buffers for the uniforms and intermediates of ops that submit their own work, so a
 * call allocates only its outputs. A buffer goes back to the pool once the queue has finished the
 * work that used it; the pool keeps at most kPoolCapBytes and destroys the rest.
 */
import { createBuffer, destroyBuffer } from "./gpu-memory.js";

const kPoolCapBytes = 64 * 1024 * 1024;

interface Pool {
  free: Map<string, GPUBuffer[]>;
  bytes: number;
}

const byDevice = new WeakMap<GPUDevice, Pool>();

function poolOf(device: GPUDevice): Pool {
  let pool = byDevice.get(device);
  if (!pool) {
    pool = { free: new Map(), bytes: 0 };
    byDevice.set(device, pool);
  }
  return pool;
}

/** Sizes are rounded up to a power of two (≥ 64 bytes) so buffers of nearby sizes are shared. */
function bucket(size: number): number {
  return Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, size))));
}

export function acquireBuffer(device: GPUDevice, size: number, usage: number, label: string): GPUBuffer {
  const pool = poolOf(device);
  const bytes = bucket(size);
  const list = pool.free.get(`${usage}:${bytes}`);
  const reused = list?.pop();
  if (reused) {
    pool.bytes -= reused.size;
    return reused;
  }
  return createBuffer(device, { label, size: bytes, usage });
}

/** Returns buffers to the pool once the work submitted so far is done (or destroys them if the device is gone). */
export function releaseAfterSubmittedWork(device: GPUDevice, buffers: GPUBuffer[]): void {
  if (buffers.length === 0) return;
  const pool = poolOf(device);
  device.queue.onSubmittedWorkDone().then(
    () => {
      for (const b of buffers) {
        if (pool.bytes + b.size > kPoolCapBytes) {
          destroyBuffer(b);
          continue;
        }
        const key = `${b.usage}:${b.size}`;
        const list = pool.free.get(key) ?? [];
        list.push(b);
        pool.free.set(key, list);
        pool.bytes += b.size;
      }
    },
    () => buffers.forEach(destroyBuffer),
  );
}

/** Buffers waiting in the pool on this device and their bytes. */
export function pooledStats(device: GPUDevice): { pooledBuffers: number; pooledBytes: number } {
  const pool = byDevice.get(device);
  let count = 0;
  for (const list of pool?.free.values() ?? []) count += list.length;
  return { pooledBuffers: count, pooledBytes: pool?.bytes ?? 0 };
}

/** Destroys the pooled buffers (when the device's owner is done with it). */
export function drainPool(device: GPUDevice): void {
  const pool = byDevice.get(device);
  if (!pool) return;
  for (const list of pool.free.values()) list.forEach(destroyBuffer);
  pool.free.clear();
  pool.bytes = 0;
}
