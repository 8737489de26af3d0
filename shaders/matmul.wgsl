// @use dispatch, tile-matmul
// out = A · B on 64 × 64 tiles (tile-matmul.wgsl), out[M, N] row-major at o_offset with row stride
// o_stride; ACCUMULATE adds the product to what out holds (the next V slab's or row chunk's share
// of a gradient, added in a fixed order: the same bits every run, no atomics). Workgroup g is tile
// (g % tiles_m, g / tiles_m), so neighbouring workgroups share B's tiles.
// column_sum: out[o_offset + j] = Σ_i A[i, j] over i < m, in order, for j < n (a thread per
// column, 256 per workgroup; the bias gradient Σ_rows G).

@compute @workgroup_size(TILE_THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = linear_group(wid, nwg);
  // g is uniform across the workgroup: the product's barriers stay in uniform control flow.
  if (g < params.groups) {
    let i0 = (g % params.tiles_m) * TILE;
    let j0 = (g / params.tiles_m) * TILE;
    let acc = tile_product(i0, j0, params.m, params.n, params.depth, lid);
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
