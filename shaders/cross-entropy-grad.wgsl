// @use rows, chunks, ce-grad-row
// d(loss)/d(logits) for cross-entropy (ce-grad-row.wgsl), after the row pass wrote (m, log s, W)
// per row and the reduction wrote the mean's divisor D: for the rows the fused pass
// (cross-entropy-with-grad.wgsl) leaves, nll_loss, sliced logits, long rows split on a GPU and
// the gradient in place of scalar rows. Rows are laid out on threads as in the row pass
// (ROW_THREADS lanes per row, no integer division per element). IN_PLACE writes the gradient over
// the logits. Long rows on a GPU (entry point split): one workgroup (WG == ROW_THREADS) per (row,
// chunk of chunk_len classes).

// i indexes the logits' bound range; the gradient (f32) may sit at another offset in its own.
fn store(i: u32, g: f32) {
  if (IN_PLACE) {
    xw[i] = bitcast<u32>(g);
  } else {
    grad[i - params.x_offset + params.f32_offset] = g;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  if (slot.in_range) {
    grad_row(slot.row, slot.lane, 0u, params.classes, row_stats[slot.row + params.row_offset]);
  }
}

@compute @workgroup_size(WG)
fn split(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  if (chunk.in_range) {
    grad_row(chunk.row, lid, chunk.c0, chunk.c1, row_stats[chunk.row + params.row_offset]);
  }
}
