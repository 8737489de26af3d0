// @use operands
// The tiled product at the heart of the linear kernels: a workgroup of 64 threads (8 × 8)
// computes one 64 × 64 tile of A·B (operands.wgsl), each thread an 8 × 8 block (rows
// 8·(lid / 8)..., columns 8·(lid % 8)...), stepping through K 16 at a time in workgroup memory.
// The tiles sit as vec4s, [k][i / 4] and [k][j / 4]: each step of the inner loop is four vec4
// loads and sixteen vec4 FMAs (an 8 × 8 block per thread: on a CPU-emulated adapter a vec4 load
// from workgroup memory is a gather, so the FMAs per load decide the speed). Elements outside
// [0, m) × [0, n) × [0, depth) read as 0. Call it from uniform control flow (it has barriers),
// from every thread of the workgroup. After it returns, `tile_mem` is free scratch for the
// caller's epilogue (512 vec4s), until the next call.
const TILE = 64u;
const TILE_K = 16u;
const TILE_THREADS = 64u;
// Rows and columns of a thread's block.
const BLOCK = 8u;

// tile_a = [0, 256), tile_b = [256, 512).
var<workgroup> tile_mem: array<vec4<f32>, 512>;

// A thread's block: r[2q] and r[2q + 1] hold row q's columns 0..3 and 4..7.
struct Block {
  r: array<vec4<f32>, 16>,
}

fn block_at(b: Block, q: u32, c: u32) -> f32 {
  return b.r[2u * q + c / 4u][c % 4u];
}

// The first row and column of thread lid's block within the tile.
fn block_row(lid: u32) -> u32 {
  return (lid / 8u) * BLOCK;
}

fn block_col(lid: u32) -> u32 {
  return (lid % 8u) * BLOCK;
}

// Loads step k0's A and B tiles: 256 vec4s each, four per thread; vec4 v of a tile holds
// k = v / 16 and rows (columns) 4 · (v % 16)... Whole-vec4 stores (a store to one component at a
// varying index costs more than the load on SwiftShader), whatever the operand's layout.
fn load_tiles(i0: u32, j0: u32, k0: u32, m: u32, n: u32, depth: u32, lid: u32) {
  for (var s = 0u; s < 4u; s++) {
    let v = lid + s * TILE_THREADS;
    let k = k0 + v / 16u;
    let i = i0 + (v % 16u) * 4u;
    let j = j0 + (v % 16u) * 4u;
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
    tile_mem[v] = va;
    tile_mem[256u + v] = vb;
  }
}

// One step of the product: A's and B's tiles at k0 into workgroup memory, then their products
// added into this thread's block.
fn tile_step(acc: ptr<function, Block>, i0: u32, j0: u32, k0: u32, m: u32, n: u32, depth: u32, lid: u32) {
  let ra = block_row(lid) / 4u;
  let cb = block_col(lid) / 4u;
  load_tiles(i0, j0, k0, m, n, depth, lid);
  workgroupBarrier();
  // A block wholly past the last row or column adds nothing kept, and k past the depth adds
  // zeros: skipped (a few rows of a 64-row tile, e.g. 3 tokens, cost 8 × less on a CPU adapter).
  let live = i0 + block_row(lid) < m && j0 + block_col(lid) < n;
  let steps = select(0u, min(TILE_K, depth - k0), live);
  for (var k = 0u; k < steps; k++) {
    let a0 = tile_mem[k * 16u + ra];
    let a1 = tile_mem[k * 16u + ra + 1u];
    let b0 = tile_mem[256u + k * 16u + cb];
    let b1 = tile_mem[256u + k * 16u + cb + 1u];
    (*acc).r[0] += a0.x * b0;
    (*acc).r[1] += a0.x * b1;
    (*acc).r[2] += a0.y * b0;
    (*acc).r[3] += a0.y * b1;
    (*acc).r[4] += a0.z * b0;
    (*acc).r[5] += a0.z * b1;
    (*acc).r[6] += a0.w * b0;
    (*acc).r[7] += a0.w * b1;
    (*acc).r[8] += a1.x * b0;
    (*acc).r[9] += a1.x * b1;
    (*acc).r[10] += a1.y * b0;
    (*acc).r[11] += a1.y * b1;
    (*acc).r[12] += a1.z * b0;
    (*acc).r[13] += a1.z * b1;
    (*acc).r[14] += a1.w * b0;
    (*acc).r[15] += a1.w * b1;
  }
  workgroupBarrier();
}

// This thread's 8 × 8 block of the tile at (i0, j0), summed over k in order (the same bits
// every run).
fn tile_product(i0: u32, j0: u32, m: u32, n: u32, depth: u32, lid: u32) -> Block {
  var acc: Block;
  for (var k0 = 0u; k0 < depth; k0 += TILE_K) {
    tile_step(&acc, i0, j0, k0, m, n, depth, lid);
  }
  return acc;
}
