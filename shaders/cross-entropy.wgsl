// @use logits, logits-vec4, rows, chunks, row-state, lane-scalar, lane-vec4, merge-lanes, class-target, softcap, class-weight
// Cross-entropy from logits, one pass over each row: online max and sum-exp, the target logit
// picked up on the way, and (for label smoothing or probability targets) the weighted gaps.
// Writes one loss per row and, for 'mean', the row's share of the denominator.
//   class-index target t: loss = (1 - eps) * w_t * ((m - x_t) + log s) + eps / C * (D + W log s)
//   probability targets p:  loss = D + W log s with per-class weights w_c * ((1 - eps) p_c + eps / C)
// With LOG_PROBS the input already holds log-probabilities (nll_loss): loss = -w_t * x_t, no pass.
// Long rows with few of them: the entry point split_partial runs one workgroup per (row, chunk of
// chunk_len classes) and writes each chunk's state (m, s, W, D) as 4 floats through row_loss;
// split_merge then merges a row's chunk states, read as vec4s through x4, and finishes the row
// (the aliasing keeps the kernel within 8 storage bindings, WebGPU's default limit).
// SOFTCAP replaces every logit x by softcap * tanh(x / softcap) first (Gemma 2); Z_LOSS adds
// z_loss * lse^2 per position (PaLM), weighted by w_t like the rest. WRITE_ROW_STATS keeps
// (m, log s, W) per row for the gradient pass (m and log s apart: lse = m + log s rounded to f32
// loses the digits of p = exp((z - m) - log s) at |logit| ~ 1e4).
// A class index outside [0, C) that is not ignore_index is recorded (first position) in `status`.

fn logit(i: u32) -> f32 {
  var v = x_at(i);
  if (SOFTCAP) {
    v = soft_cap(v, params.softcap);
  }
  return v;
}

fn load1(i: u32) -> f32 {
  return logit(i);
}

fn load4(k: u32) -> vec4<f32> {
  var v = x4_at(k);
  if (SOFTCAP) {
    v = soft_cap4(v, params.softcap);
  }
  return v;
}

// The weight each class's gap is counted with (see the header).
fn gap_weight(c: u32, i: u32) -> f32 {
  var w = class_weight(c);
  if (PROB_TARGET) {
    let p = bitcast<f32>(targets[i - params.x_offset + params.f32_offset]);
    let smoothed = select(p, p * (1.0 - params.smoothing) + params.smoothing / f32(params.classes), SMOOTHING);
    // A non-finite probability makes the row NaN (PyTorch's answer then depends on rounding: ±inf or NaN).
    w = select(w * smoothed, nan(), (bitcast<u32>(p) & 0x7fffffffu) >= 0x7f800000u);
  }
  return w;
}

// A lane's state with the gaps (label smoothing, probability targets): with TWO_PASS the max
// first (lane-scalar.wgsl), then sums against it; otherwise online.
fn lane_state_gaps(base: u32, lane: u32, c0: u32, c1: u32) -> RowState {
  let stride = params.inner;
  var r = empty_state();
  if (!TWO_PASS) {
    for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
      let i = base + c * stride;
      r = add(r, logit(i), gap_weight(c, i));
    }
  } else {
    let mx = lane_max(base, lane, c0, c1);
    if (mx.poisoned) {
      r = RowState(Online(mx.m, nan()), Gaps(0.0, nan()));
    } else {
      // Only masked classes in this lane: they add nothing to s (the gaps still count them).
      let masked = mx.m == neg_inf();
      var s = 0.0;
      var gaps = Gaps(0.0, 0.0);
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        let i = base + c * stride;
        let v = logit(i);
        let w = gap_weight(c, i);
        if (!masked) {
          s += exp(v - mx.m);
        }
        gaps.w += w;
        gaps.d += weighted_gap(w, mx.m, v);
      }
      r = RowState(Online(mx.m, s), gaps);
    }
  }
  return r;
}

fn lane_state(base: u32, lane: u32, c0: u32, c1: u32) -> RowState {
  var r = empty_state();
  if (VEC4) {
    r.on = lane_state_vec4(base / 4u, lane, c0, c1, 1.0);
  } else if (SPAN4) {
    r.on = lane_state_span4(base + c0, base + c1, lane, 1.0);
  } else if (GAPS) {
    r = lane_state_gaps(base, lane, c0, c1);
  } else {
    r.on = lane_state_scalar(base, lane, c0, c1, 1.0);
  }
  return r;
}

// A row's class-index target, decided before the row is read: ignored and bad rows skip it; a
// bad row's loss is NaN (so is every reduction over it), visible to consumers that never read().
struct RowTarget {
  t: u32,
  skip: bool,
  bad: bool,
}

fn row_target(in_range: bool, grow: u32, record_bad: bool) -> RowTarget {
  var r = RowTarget(0u, !in_range, false);
  if (in_range && !PROB_TARGET) {
    let ct = class_target(targets[grow], params.ignore_index, params.classes);
    if (ct.bad && record_bad) {
      atomicMin(&status[0], grow);
    }
    r = RowTarget(ct.index, ct.ignored || ct.bad, ct.bad);
  }
  return r;
}

// Writes the row's loss and denominator (and row statistics) from its merged state. Kernel
// functions have one exit: SwiftShader runs what follows a possible early return under a mask.
fn finish_row(grow: u32, base: u32, tgt: RowTarget, acc: RowState) {
  var loss = 0.0;
  var denom = 0.0;
  var stats = vec4<f32>(0.0);
  let t = tgt.t;
  if (!tgt.skip && LOG_PROBS) {
    let w = class_weight(t);
    loss = -w * x_at(base + t * params.inner) * params.scale;
    denom = w;
  } else if (!tgt.skip) {
    let undefined_row = online_undefined(acc.on);
    let log_s = log(acc.on.s);
    let lse = select(acc.on.m + log_s, nan(), undefined_row);
    stats = vec4<f32>(select(acc.on.m, nan(), undefined_row), log_s, acc.gaps.w, 0.0);
    let smoothed_sum = acc.gaps.d + acc.gaps.w * log_s;
    if (undefined_row) {
      loss = nan();
      denom = select(1.0, class_weight(t), HAS_WEIGHT && !PROB_TARGET);
    } else if (PROB_TARGET) {
      loss = smoothed_sum;
      if (Z_LOSS) {
        loss += params.z_loss * lse * lse;
      }
      loss *= params.scale;
      denom = 1.0;
    } else {
      let w_t = class_weight(t);
      loss = class_index_loss(acc, logit(base + t * params.inner), w_t, log_s, lse);
      denom = w_t;
    }
  }
  row_loss[grow] = select(loss, nan(), tgt.bad);
  row_denom[grow] = select(denom, 1.0, tgt.bad);
  if (WRITE_ROW_STATS) {
    row_stats[grow] = stats;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let grow = slot.row + params.row_offset;
  let tgt = row_target(slot.in_range, grow, slot.lane == 0u);
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
  let tgt = row_target(chunk.in_range, chunk.row + params.row_offset, false);
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
  let tgt = row_target(slot.in_range, grow, true);
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
