// @use logits, row-state, lane-scalar, lane-vec4, class-target, softcap, class-weight
// @needs uniforms: classes, inner, x_offset, f32_offset, ignore_index, scale, smoothing, softcap, z_loss; bindings: targets; overrides: ROW_THREADS, TWO_PASS, VEC4, SPAN4, PROB_TARGET, SMOOTHING, SOFTCAP, Z_LOSS, GAPS, LOG_PROBS, HAS_WEIGHT; functions: target_logit
// A cross-entropy row, read once (cross-entropy.wgsl's row pass and cross-entropy-with-grad.wgsl's
// fused pass): its target, its lane states (online max and sum-exp, and the weighted gaps for label
// smoothing or probability targets), and from the merged state its loss, its share of the mean's
// denominator and the statistics (m, log s, W) the gradient needs. The kernel defines load4(k) (the
// logits' vec4 k, after the softcap) and target_logit(i) (element i, after the softcap), the
// bindings xw, targets, weight, and the overrides of kPassOverrides plus LOG_PROBS and TWO_PASS.
//   class-index target t: loss = (1 - eps) * w_t * ((m - x_t) + log s) + eps / C * (D + W log s)
//   probability targets p:  loss = D + W log s with per-class weights w_c * ((1 - eps) p_c + eps / C)
// With LOG_PROBS the input already holds log-probabilities (nll_loss): loss = -w_t * x_t, no pass.

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

fn row_target(in_range: bool, grow: u32) -> RowTarget {
  var r = RowTarget(0u, !in_range, false);
  if (in_range && !PROB_TARGET) {
    let ct = class_target(targets[grow], params.ignore_index, params.classes);
    r = RowTarget(ct.index, ct.ignored || ct.bad, ct.bad);
  }
  return r;
}

// The target's logit (or log-probability), read before the row's gradient may overwrite it (in
// place); 0 for rows without one.
fn row_target_logit(tgt: RowTarget, base: u32) -> f32 {
  var x_t = 0.0;
  if (!tgt.skip && !PROB_TARGET) {
    x_t = target_logit(base + tgt.t * params.inner);
  }
  return x_t;
}

// What a row's merged state gives: its loss, its share of the mean's denominator, and (m, log s,
// W, 0) for the gradient (m NaN for a row whose softmax is undefined).
struct RowResult {
  loss: f32,
  denom: f32,
  stats: vec4<f32>,
}

fn row_result(tgt: RowTarget, acc: RowState, x_t: f32) -> RowResult {
  var loss = 0.0;
  var denom = 0.0;
  var stats = vec4<f32>(0.0);
  let t = tgt.t;
  if (!tgt.skip && LOG_PROBS) {
    let w = class_weight(t);
    loss = -w * x_t * params.scale;
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
      loss = class_index_loss(acc, x_t, w_t, log_s, lse);
      denom = w_t;
    }
  }
  return RowResult(select(loss, nan(), tgt.bad), select(denom, 1.0, tgt.bad), stats);
}
