/**
 * Every GPUBuffer the library makes goes through here, so `xent.stats()` can say how much GPU
 * memory is live (a leak shows as growth) and destroy stays idempotent.
 */

/** Live and total GPU buffers made by webgpu-xent on one device. */
export interface MemoryStats {
  /** Buffers created and not yet destroyed. */
  liveBuffers: number;
  /** Their bytes. */
  liveBytes: number;
  /** The most bytes live at once. */
  peakBytes: number;
  /** Buffers created so far. */
  createdBuffers: number;
}

const byDevice = new WeakMap<GPUDevice, MemoryStats>();
const owners = new WeakMap<GPUBuffer, MemoryStats>();

function statsOf(device: GPUDevice): MemoryStats {
  let s = byDevice.get(device);
  if (!s) {
    s = { liveBuffers: 0, liveBytes: 0, peakBytes: 0, createdBuffers: 0 };
    byDevice.set(device, s);
  }
  return s;
}

export function createBuffer(device: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
  const buffer = device.createBuffer(descriptor);
  const s = statsOf(device);
  s.liveBuffers++;
  s.liveBytes += buffer.size;
  s.createdBuffers++;
  s.peakBytes = Math.max(s.peakBytes, s.liveBytes);
  owners.set(buffer, s);
  return buffer;
}

/** Destroys a buffer made by createBuffer (once; later calls do nothing). */
export function destroyBuffer(buffer: GPUBuffer): void {
  const s = owners.get(buffer);
  if (s) {
    owners.delete(buffer);
    s.liveBuffers--;
    s.liveBytes -= buffer.size;
  }
  buffer.destroy();
}

export function memoryStats(device: GPUDevice): MemoryStats {
  return { ...statsOf(device) };
}
