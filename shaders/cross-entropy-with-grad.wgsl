// @use logits-vec4, rows, ce-row, merge-lanes, ce-grad-row
// crossEntropyWithGrad in one pass over the rows: each row's lanes read it once for its statistics
// (ce-row.wgsl), merge them, write the row's loss, and read the row again for its gradient
// (ce-grad-row.wgsl) while it is still in cache, as softmax does; the row pass, the reduction and a
// gradient pass that re-read the logits from memory were three dispatches. The mean's divisor
// comes from cross-entropy-labels.wgsl, which ran before over the labels alone (and checked them).
// IN_PLACE (f32, VEC4 or SPAN4_STORE rows only: scalar rows in place keep the three passes) reads
// the logits through out4, the view the gradient overwrites them through; each lane reads and
// writes only its own elements, and the target's logit is read before the lanes merge.

fn load4(k: u32) -> vec4<f32> {
  var v: vec4<f32>;
  if (IN_PLACE) {
    v = out4[k];
  } else {
    v = x4_at(k);
  }
  if (SOFTCAP) {
    v = soft_cap4(v, params.softcap);
  }
  return v;
}

fn target_logit(i: u32) -> f32 {
  var v: f32;
  if (IN_PLACE) {
    v = out4[i / 4u][i % 4u];
    if (SOFTCAP) {
      v = soft_cap(v, params.softcap);
    }
  } else {
    v = logit(i);
  }
  return v;
}

// Scalar rows' gradient elements (never in place here).
fn store(i: u32, g: f32) {
  grad[i - params.x_offset + params.f32_offset] = g;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let grow = slot.row + params.row_offset;
  let tgt = row_target(slot.in_range, grow);
  let base = row_base(slot.row, params.classes, params.inner) + params.x_offset;
  let x_t = row_target_logit(tgt, base);
  var acc = empty_state();
  if (!tgt.skip) {
    acc = lane_state(base, slot.lane, 0u, params.classes);
  }
  if (ROW_THREADS > 1u) {
    acc = from_vec4(merge_lanes(as_vec4(acc), lid, slot.lane));
  }
  if (slot.in_range) {
    let r = row_result(tgt, acc, x_t);
    if (slot.lane == 0u) {
      row_loss[grow] = r.loss;
    }
    grad_row(slot.row, slot.lane, 0u, params.classes, r.stats);
  }
}
