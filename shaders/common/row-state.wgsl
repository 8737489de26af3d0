// @use online-softmax, gaps
// @needs uniforms: classes, scale, smoothing, z_loss; overrides: GAPS, SMOOTHING, Z_LOSS
// A row's running state for cross-entropy: the online softmax (m, s) and, when the override GAPS is
// set (label smoothing, probability targets), the weighted gaps (W, D) of gaps.wgsl; as a vec4
// (m, s, W, D) where states travel through memory (chunks, lanes, tiles). The kernel declares the
// overrides GAPS, SMOOTHING, Z_LOSS and the uniforms classes, smoothing, z_loss, scale.

struct RowState {
  on: Online,
  gaps: Gaps,
}

fn empty_state() -> RowState {
  return RowState(online_empty(), Gaps(0.0, 0.0));
}

fn as_vec4(a: RowState) -> vec4<f32> {
  return vec4<f32>(a.on.m, a.on.s, a.gaps.w, a.gaps.d);
}

fn from_vec4(v: vec4<f32>) -> RowState {
  return RowState(Online(v.x, v.y), Gaps(v.z, v.w));
}

fn add(a: RowState, v: f32, w: f32) -> RowState {
  var r = a;
  if (v > a.on.m && !is_nan(v) && v != pos_inf()) {
    r.gaps.d += gap_shift(a.gaps.w, a.on.m, v);
  }
  r.on = online_add(a.on, v, 1.0);
  r.gaps.d += weighted_gap(w, r.on.m, v);
  r.gaps.w += w;
  return r;
}

fn merge(a: RowState, b: RowState) -> RowState {
  var r: RowState;
  r.on = online_merge(a.on, b.on, 1.0);
  if (GAPS) {
    r.gaps.w = a.gaps.w + b.gaps.w;
    r.gaps.d = a.gaps.d + gap_shift(a.gaps.w, a.on.m, r.on.m) + b.gaps.d + gap_shift(b.gaps.w, b.on.m, r.on.m);
  }
  return r;
}

// Merges two states as vec4s (merge-lanes.wgsl calls it by this name).
fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return as_vec4(merge(from_vec4(a), from_vec4(b)));
}

// The loss of a class-index target from the row's merged state, its target logit x_t and weight
// w_t (a defined row: lse = m + log s finite): (1 - eps) w_t ((m - x_t) + log s) +
// eps / C (D + W log s), plus z_loss w_t lse^2, times scale (1 / ln base).
fn class_index_loss(acc: RowState, x_t: f32, w_t: f32, log_s: f32, lse: f32) -> f32 {
  // (m - x_t) + log s, never m + log s - x_t: the latter loses every digit at |logit| ~ 1e4.
  var loss = w_t * ((acc.on.m - x_t) + log_s);
  if (SMOOTHING) {
    loss = (1.0 - params.smoothing) * loss + params.smoothing / f32(params.classes) * (acc.gaps.d + acc.gaps.w * log_s);
  }
  if (Z_LOSS) {
    loss += params.z_loss * w_t * lse * lse;
  }
  return loss * params.scale;
}
