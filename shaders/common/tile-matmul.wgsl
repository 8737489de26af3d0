// @use operands
// The tiled product at the heart of the linear kernels: a workgroup of 256 threads (16 × 16)
// computes one 64 × 64 tile of A·B (operands.wgsl), each thread a 4 × 4 block (rows 4·ty.., columns
// 4·tx..), stepping through K 16 at a time in workgroup memory. The tiles sit as vec4s, [k][i / 4]
// and [k][j / 4], so each step of the inner loop is two vec4 loads and four vec4 FMAs. Elements
// outside [0, m) × [0, n) × [0, depth) read as 0. Call it from uniform control flow (it has
// barriers), from every thread of the workgroup. After it returns, `tile_mem` is free scratch for
// the caller's epilogue (512 vec4s), until the next call.
const TILE = 64u;
const TILE_K = 16u;
const TILE_THREADS = 256u;

// tile_a = [0, 256), tile_b = [256, 512).
var<workgroup> tile_mem: array<vec4<f32>, 512>;

struct Block {
  r: array<vec4<f32>, 4>,
}

// Loads step k0's A and B tiles: thread lid fills one vec4 of each, k = lid / 16 and the four
// rows (columns) 4 · (lid % 16)..: whole-vec4 stores (a store to one component at a varying index
// costs more than the load on SwiftShader), whatever the operand's layout.
fn load_tiles(i0: u32, j0: u32, k0: u32, m: u32, n: u32, depth: u32, lid: u32) {
  let k = k0 + lid / 16u;
  let i = i0 + (lid % 16u) * 4u;
  let j = j0 + (lid % 16u) * 4u;
  var va = vec4<f32>(0.0);
  var vb = vec4<f32>(0.0);
  if (k < depth) {
    for (var q = 0u; q < 4u; q++) {
      if (i + q < m) {
        va[q] = a_value(i + q, k);
      }
      if (j + q < n) {
        vb[q] = b_value(k, j + q);
      }
    }
  }
  tile_mem[lid] = va;
  tile_mem[256u + lid] = vb;
}

// This thread's 4 × 4 block of the tile at (i0, j0): r[q] holds row i0 + 4·ty + q, columns
// j0 + 4·tx + (0..3), summed over k in order (the same bits every run).
fn tile_product(i0: u32, j0: u32, m: u32, n: u32, depth: u32, lid: u32) -> Block {
  let tx = lid % 16u;
  let ty = lid / 16u;
  var acc: Block;
  for (var k0 = 0u; k0 < depth; k0 += TILE_K) {
    load_tiles(i0, j0, k0, m, n, depth, lid);
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let av = tile_mem[k * 16u + ty];
      let bv = tile_mem[256u + k * 16u + tx];
      acc.r[0] += av.x * bv;
      acc.r[1] += av.y * bv;
      acc.r[2] += av.z * bv;
      acc.r[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  return acc;
}
