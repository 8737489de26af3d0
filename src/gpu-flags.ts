/**
 * WebGPU flag values, fixed by the spec. Kept here so the library never depends on the
 * `GPUBufferUsage`/`GPUMapMode` globals, which Node (Dawn) does not install by itself.
 */
export const kBufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export const kMapModeRead = 0x0001;
export const kShaderStageCompute = 0x4;
