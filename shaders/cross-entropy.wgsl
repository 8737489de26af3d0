// @use logits-vec4, rows, chunks, ce-row, merge-lanes
// Cross-entropy from logits, one pass over each row (ce-row.wgsl): online max and sum-exp, the
// target logit picked up on the way, and (for label smoothing or probability targets) the weighted
// gaps. Writes one loss per row and, for 'mean', the row's share of the denominator.
// Long rows with few of them: the entry point split_partial runs one workgroup per (row, chunk of
// chunk_len classes) and writes each chunk's state (m, s, W, D) as 4 floats through row_loss;
// split_merge then merges a row's chunk states, read as vec4s through x4, and finishes the row
// (the aliasing keeps the kernel within 8 storage bindings, WebGPU's default limit).
// SOFTCAP replaces every logit x by softcap * tanh(x / softcap) first (Gemma 2); Z_LOSS adds
// z_loss * lse^2 per position (PaLM), weighted by w_t like the rest. WRITE_ROW_STATS keeps
// (m, log s, W) per row for the gradient pass (m and log s apart: lse = m + log s rounded to f32
// loses the digits of p = exp((z - m) - log s) at |logit| ~ 1e4).
// A class index outside [0, C) that is not ignore_index is recorded (first position) in `status`.

fn load4(k: u32) -> vec4<f32> {
  var v = x4_at(k);
  if (SOFTCAP) {
    v = soft_cap4(v, params.softcap);
  }
  return v;
}

fn target_logit(i: u32) -> f32 {
  return logit(i);
}

// A row's target (ce-row.wgsl), its bad label recorded (first position) by one lane.
fn checked_target(in_range: bool, grow: u32, record_bad: bool) -> RowTarget {
  let tgt = row_target(in_range, grow);
  if (tgt.bad && record_bad) {
    atomicMin(&status[0], grow);
  }
  return tgt;
}

// Writes the row's loss and denominator (and row statistics) from its merged state. Kernel
// functions have one exit: SwiftShader runs what follows a possible early return under a mask.
fn finish_row(grow: u32, base: u32, tgt: RowTarget, acc: RowState) {
  let r = row_result(tgt, acc, row_target_logit(tgt, base));
  row_loss[grow] = r.loss;
  row_denom[grow] = r.denom;
  if (WRITE_ROW_STATS) {
    row_stats[grow] = r.stats;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let grow = slot.row + params.row_offset;
  let tgt = checked_target(slot.in_range, grow, slot.lane == 0u);
  let base = row_base(slot.row, params.classes, params.inner) + params.x_offset;
  var acc = empty_state();
  if (!tgt.skip && !LOG_PROBS) {
    acc = lane_state(base, slot.lane, 0u, params.classes);
  }
  if (ROW_THREADS > 1u) {
    acc = from_vec4(merge_lanes(as_vec4(acc), lid, slot.lane));
  }
  if (slot.in_range && slot.lane == 0u) {
    finish_row(grow, base, tgt, acc);
  }
}

// WG == ROW_THREADS: the workgroup is one (row, chunk); bad labels are recorded by split_merge.
@compute @workgroup_size(WG)
fn split_partial(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  let tgt = row_target(chunk.in_range, chunk.row + params.row_offset);
  let base = row_base(chunk.row, params.classes, params.inner) + params.x_offset;
  var acc = empty_state();
  if (!tgt.skip) {
    acc = lane_state(base, lid, chunk.c0, chunk.c1);
  }
  if (ROW_THREADS > 1u) {
    acc = from_vec4(merge_lanes(as_vec4(acc), lid, lid));
  }
  if (chunk.in_range && lid == 0u) {
    let state = as_vec4(acc);
    let at = chunk.group * 4u;
    row_loss[at] = state.x;
    row_loss[at + 1u] = state.y;
    row_loss[at + 2u] = state.z;
    row_loss[at + 3u] = state.w;
  }
}

// A thread per row (ROW_THREADS == 1) merges the row's chunk states (x4) and finishes it.
@compute @workgroup_size(WG)
fn split_merge(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let grow = slot.row + params.row_offset;
  let tgt = checked_target(slot.in_range, grow, true);
  var acc = empty_state();
  if (!tgt.skip) {
    for (var k = 0u; k < params.chunks; k++) {
      acc = merge(acc, from_vec4(x4[slot.row * params.chunks + k]));
    }
  }
  if (slot.in_range) {
    finish_row(grow, row_base(slot.row, params.classes, params.inner) + params.x_offset, tgt, acc);
  }
}
