// @use dispatch, tile-matmul
// out = A · B on 64 × 64 tiles (tile-matmul.wgsl), out[M, N] row-major at o_offset with row stride
// o_stride; ACCUMULATE adds the product to what out holds (the next V slab's or row chunk's share
// of a gradient, added in a fixed order: the same bits every run, no atomics). Workgroup g is tile
// (g % tiles_m, g / tiles_m), so neighbouring workgroups share B's tiles.
// main_filtered: A is a filtered gradient slab G (or Gᵀ with flag_transposed), whose 64 × 64
// tiles have a flag after it, a[flag_offset + row tile + class tile · flag_rows] (0.0: every entry
// was below the filter and stored as 0): the K steps inside such a tile are skipped.
// column_sum: out[o_offset + j] = Σ_i A[i, j] over i < m, in order, for j < n (a thread per
// column, 256 per workgroup; the bias gradient Σ_rows G).

fn store_block(acc: Block, i0: u32, j0: u32, lid: u32) {
  let i = i0 + block_row(lid);
  let j = j0 + block_col(lid);
  for (var q = 0u; q < BLOCK; q++) {
    for (var c = 0u; c < BLOCK; c++) {
      if (i + q < params.m && j + c < params.n) {
        let o = params.o_offset + (i + q) * params.o_stride + j + c;
        var v = block_at(acc, q, c);
        if (ACCUMULATE) {
          v = out[o] + v;
        }
        out[o] = v;
      }
    }
  }
}

@compute @workgroup_size(TILE_THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = linear_group(wid, nwg);
  // g is uniform across the workgroup: the product's barriers stay in uniform control flow.
  if (g < params.groups) {
    let i0 = (g % params.tiles_m) * TILE;
    let j0 = (g / params.tiles_m) * TILE;
    store_block(tile_product(i0, j0, params.m, params.n, params.depth, lid), i0, j0, lid);
  }
}

// Whether the K step at k0 of row tile i0 lies in a G tile that survived the filter.
fn step_is_live(i0: u32, k0: u32) -> bool {
  let a_tile = i0 / TILE;
  let k_tile = k0 / TILE;
  let flag = select(a_tile + k_tile * params.flag_rows, k_tile + a_tile * params.flag_rows, params.flag_transposed != 0u);
  return a[params.flag_offset + flag] != 0u;
}

var<workgroup> step_live: u32;

// tile_product without the steps step_is_live rules out; the flag is read by one thread and
// shared through workgroupUniformLoad, so the skip is uniform across the workgroup.
fn tile_product_filtered(i0: u32, j0: u32, m: u32, n: u32, depth: u32, lid: u32) -> Block {
  var acc: Block;
  for (var k0 = 0u; k0 < depth; k0 += TILE_K) {
    if (lid == 0u) {
      step_live = select(0u, 1u, step_is_live(i0, k0));
    }
    if (workgroupUniformLoad(&step_live) != 0u) {
      tile_step(&acc, i0, j0, k0, m, n, depth, lid);
    }
  }
  return acc;
}

@compute @workgroup_size(TILE_THREADS)
fn main_filtered(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = linear_group(wid, nwg);
  if (g < params.groups) {
    let i0 = (g % params.tiles_m) * TILE;
    let j0 = (g / params.tiles_m) * TILE;
    store_block(tile_product_filtered(i0, j0, params.m, params.n, params.depth, lid), i0, j0, lid);
  }
}

@compute @workgroup_size(256)
fn column_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = linear_group(wid, nwg) * 256u + lid;
  if (j < params.n) {
    var s = 0.0;
    for (var i = 0u; i < params.m; i++) {
      s += a_value(i, j);
    }
    let o = params.o_offset + j;
    if (ACCUMULATE) {
      s = out[o] + s;
    }
    out[o] = s;
  }
}
