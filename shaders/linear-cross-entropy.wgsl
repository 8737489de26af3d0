// @use dispatch, tile-matmul, linear-logits, row-state
// linearCrossEntropy's forward pass over one (row chunk, V slab): the logits
// z = softcap(hidden · classifierᵀ + bias) are made one 64 × 64 tile at a time (tile-matmul.wgsl)
// and never stored. Workgroup g takes row tile g % row_tiles and the tiles_per_group class tiles
// of group g / row_tiles; each tile's rows fold into online states (m, s) (and the weighted gaps
// (W, D) for label smoothing, row-state.wgsl): first per thread over its 4 columns, then across
// the 16 threads of a row through tile_mem in a fixed order, then into the row's running state,
// held by thread `row` (< 64) across the group's tiles. The group writes one state per row to
// partials[(group_offset + group) * total_rows + row]; the merge kernel folds them in group order
// (the same bits every run). The one thread that meets a row's target class writes its logit to
// target_logit[row].

fn add_logit(a: RowState, z: f32, v: u32) -> RowState {
  var r = a;
  if (GAPS) {
    r = add(a, z, class_weight(v));
  } else {
    r.on = online_add(a.on, z, 1.0);
  }
  return r;
}

@compute @workgroup_size(TILE_THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = linear_group(wid, nwg);
  // g is uniform across the workgroup: the barriers below stay in uniform control flow.
  if (g < params.groups) {
    let i0 = (g % params.row_tiles) * TILE;
    let group = g / params.row_tiles;
    let tx = lid % 16u;
    let ty = lid / 16u;
    // The target class of each of this thread's four rows, or NO_POSITION (ignored, bad, past the end).
    var targets4: array<u32, 4>;
    for (var q = 0u; q < 4u; q++) {
      targets4[q] = row_class(i0 + ty * 4u + q);
    }
    var run = empty_state();
    let first = group * params.tiles_per_group;
    let last = min(first + params.tiles_per_group, params.class_tiles);
    for (var tile = first; tile < last; tile++) {
      let j0 = tile * TILE;
      let acc = tile_product(i0, j0, params.rows, params.slab_classes, params.hidden, lid);
      var mine: array<vec4<f32>, 4>;
      for (var q = 0u; q < 4u; q++) {
        var st = empty_state();
        for (var c = 0u; c < 4u; c++) {
          let jl = j0 + tx * 4u + c;
          if (jl < params.slab_classes) {
            let v = params.class_offset + jl;
            let z = linear_logit(acc.r[q][c], jl);
            st = add_logit(st, z, v);
            if (v == targets4[q]) {
              target_logit[params.row_offset + i0 + ty * 4u + q] = z;
            }
          }
        }
        mine[q] = as_vec4(st);
      }
      // Across a row's 16 threads: tx ≥ 8 park their states, tx < 8 merge theirs with them
      // (own first), then the row's owner folds the 8 in order.
      if (tx >= 8u) {
        for (var q = 0u; q < 4u; q++) {
          tile_mem[(ty * 4u + q) * 8u + tx - 8u] = mine[q];
        }
      }
      workgroupBarrier();
      if (tx < 8u) {
        for (var q = 0u; q < 4u; q++) {
          let at = (ty * 4u + q) * 8u + tx;
          tile_mem[at] = merge_states(mine[q], tile_mem[at]);
        }
      }
      workgroupBarrier();
      if (lid < TILE) {
        for (var k = 0u; k < 8u; k++) {
          run = merge(run, from_vec4(tile_mem[lid * 8u + k]));
        }
      }
      workgroupBarrier();
    }
    if (lid < TILE && i0 + lid < params.rows) {
      partials[(params.group_offset + group) * params.total_rows + params.row_offset + i0 + lid] = as_vec4(run);
    }
  }
}
