// @use numbers, dispatch
// Cross-entropy from probabilities, as Keras 3 and scikit-learn compute it (one thread per row,
// two passes: the row statistic, then the loss).
//   MODE_KERAS_CATEGORICAL: q = clip(p / sum p, eps, 1 - eps); loss = -sum_c y'_c log q_c, y' smoothed
//   MODE_KERAS_SPARSE:      loss = log(sum_c clip(p_c)) - log(clip(p_t))  (softmax CE on log clip(p))
//   MODE_SKLEARN:           loss = -log(clip(p_t)); BINARY_COLUMN: one value v per row, p = [1 - v, v]
// Class indices outside [0, C) are recorded in `status` (first position).

fn clip(v: f32) -> f32 {
  if (is_nan(v)) {
    return v;
  }
  return clamp(v, params.eps, 1.0 - params.eps);
}

fn prob(base: u32, c: u32) -> f32 {
  if (BINARY_COLUMN) {
    let v = p[base];
    return select(1.0 - v, v, c == 1u);
  }
  return p[base + c * params.inner];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let row = group * WG + lid;
  if (row >= params.rows) {
    return;
  }
  let classes = params.classes;
  let grow = row + params.row_offset;
  var base = row + params.x_offset;
  if (!BINARY_COLUMN) {
    base = row_base(row, classes, params.inner) + params.x_offset;
  }
  if (MODE == MODE_KERAS_CATEGORICAL) {
    var total = 0.0;
    for (var c = 0u; c < classes; c++) {
      total += prob(base, c);
    }
    var l = 0.0;
    // A NaN ratio (a NaN prediction, or ±inf over an infinite total) makes the row NaN, as in
    // Keras; SwiftShader's log would not carry the NaN.
    var poisoned = false;
    for (var c = 0u; c < classes; c++) {
      let y = bitcast<f32>(targets[base + c * params.inner]);
      let ys = y * (1.0 - params.smoothing) + params.smoothing / f32(classes);
      let q = prob(base, c) / total;
      poisoned = poisoned || is_nan(q);
      l -= ys * log(clip(q));
    }
    loss[grow] = select(l, nan(), poisoned);
    return;
  }
  let t = targets[grow];
  if (t >= classes) {
    atomicMin(&status[0], grow);
    loss[grow] = nan();
    return;
  }
  let p_t = prob(base, t);
  var l = -log(clip(p_t));
  var poisoned = is_nan(p_t);
  if (MODE == MODE_KERAS_SPARSE) {
    var total = 0.0;
    for (var c = 0u; c < classes; c++) {
      total += clip(prob(base, c));
    }
    l += log(total);
    poisoned = poisoned || is_nan(total);
  }
  // A NaN prediction that enters the loss makes it NaN (SwiftShader's log would not carry it).
  loss[grow] = select(l, nan(), poisoned);
}
