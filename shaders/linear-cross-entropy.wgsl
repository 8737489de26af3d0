// @use dispatch, tile-matmul, linear-logits, row-state
// linearCrossEntropy's forward pass over one (row chunk, V slab): the logits
// z = softcap(hidden · classifierᵀ + bias) are made one 64 × 64 tile at a time (tile-matmul.wgsl)
// and never stored. Workgroup g takes row tile g % row_tiles and the tiles_per_group class tiles
// of group g / row_tiles; each tile's rows fold into online states (m, s) (and the weighted gaps
// (W, D) for label smoothing, row-state.wgsl): first per thread over its 8 columns, then the 8
// threads' states of a row, through tile_mem in column order, into the row's running state, held
// by thread `row` (of 64) across the group's tiles. The group writes one state per row to
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
    let row0 = block_row(lid);
    let col0 = block_col(lid);
    // The target class of each of this thread's rows, or NO_POSITION (ignored, bad, past the end).
    var targets8: array<u32, 8>;
    for (var q = 0u; q < BLOCK; q++) {
      targets8[q] = row_class(i0 + row0 + q);
    }
    var run = empty_state();
    let first = group * params.tiles_per_group;
    let last = min(first + params.tiles_per_group, params.class_tiles);
    for (var tile = first; tile < last; tile++) {
      let j0 = tile * TILE;
      let acc = tile_product(i0, j0, params.rows, params.slab_classes, params.hidden, lid);
      // Each of this thread's rows over its 8 columns, parked in tile_mem[row * 8 + lid % 8];
      // then the row's owner (thread `row`) folds the 8 in column order into its running state.
      for (var q = 0u; q < BLOCK; q++) {
        var st = empty_state();
        for (var c = 0u; c < BLOCK; c++) {
          let jl = j0 + col0 + c;
          if (jl < params.slab_classes) {
            let v = params.class_offset + jl;
            let z = linear_logit(block_at(acc, q, c), jl);
            st = add_logit(st, z, v);
            if (v == targets8[q]) {
              target_logit[params.row_offset + i0 + row0 + q] = z;
            }
          }
        }
        tile_mem[(row0 + q) * 8u + lid % 8u] = as_vec4(st);
      }
      workgroupBarrier();
      for (var k = 0u; k < 8u; k++) {
        run = merge(run, from_vec4(tile_mem[lid * 8u + k]));
      }
      workgroupBarrier();
    }
    if (i0 + lid < params.rows) {
      partials[(params.group_offset + group) * params.total_rows + params.row_offset + i0 + lid] = as_vec4(run);
    }
  }
}
