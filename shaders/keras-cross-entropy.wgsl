// @use numbers, dispatch
// Cross-entropy from probabilities, as Keras 3 and scikit-learn compute it (one thread per row,
// two passes: the row statistic, then the loss and, with HAS_GRAD, the gradient).
//   MODE_KERAS_CATEGORICAL: q = clip(p / sum p, eps, 1 - eps); loss = -sum_c y'_c log q_c, y' smoothed
//   MODE_KERAS_SPARSE:      q = clip(p / sum p, eps, 1 - eps); loss = -log q_t
//   MODE_SKLEARN:           loss = -log(clip(p_t)); BINARY_COLUMN: one value v per row, p = [1 - v, v]
// Class indices outside [0, C) are recorded in `status` (first position); their row's loss and
// gradient are NaN.
// The gradient, as TensorFlow differentiates the Keras expressions (tf.clip_by_value passes the
// gradient where eps <= r <= 1 - eps, else 0): with S = sum p, r = p / S, g_c = dloss/dr_c
// (categorical -y'_c / q_c, sparse -[c == t] / q_t, where the clip passes):
//   dloss/dp_j = (g_j - sum_c g_c r_c) / S; scikit-learn (no renormalisation): -1 / clip(p_t) at t.
// Times grad_scale (1 / rows: the batch mean).

fn clip(v: f32) -> f32 {
  if (is_nan(v)) {
    return v;
  }
  return clamp(v, params.eps, 1.0 - params.eps);
}

// d clip(v) / dv: 1 where the clip passes v through.
fn clip_passes(v: f32) -> bool {
  return v >= params.eps && v <= 1.0 - params.eps;
}

fn prob(base: u32, c: u32) -> f32 {
  if (BINARY_COLUMN) {
    let v = p[base];
    return select(1.0 - v, v, c == 1u);
  }
  return p[base + c * params.inner];
}

fn smoothed_target(base: u32, c: u32) -> f32 {
  let y = bitcast<f32>(targets[base + c * params.inner]);
  return y * (1.0 - params.smoothing) + params.smoothing / f32(params.classes);
}

// dloss/dr_c of the renormalised Keras losses (t: the sparse target).
fn ratio_grad(base: u32, c: u32, t: u32, r: f32) -> f32 {
  var g = 0.0;
  if (MODE == MODE_KERAS_CATEGORICAL) {
    g = -smoothed_target(base, c) / clip(r);
  } else if (c == t) {
    g = -1.0 / clip(r);
  }
  return select(0.0, g, clip_passes(r));
}

fn store_grad(base: u32, c: u32, g: f32) {
  grad[base + c * params.inner] = g * params.grad_scale;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  let row = group * WG + lid;
  if (group >= params.groups || row >= params.rows) {
    return;
  }
  let classes = params.classes;
  let grow = row + params.row_offset;
  var base = row + params.x_offset;
  if (!BINARY_COLUMN) {
    base = row_base(row, classes, params.inner) + params.x_offset;
  }
  var t = 0u;
  var bad = false;
  if (MODE != MODE_KERAS_CATEGORICAL) {
    t = targets[grow];
    bad = t >= classes;
    if (bad) {
      atomicMin(&status[0], grow);
      t = 0u;
    }
  }
  var l = 0.0;
  // A NaN that enters the loss makes it NaN, as in Keras (SwiftShader's log would not carry it).
  var poisoned = bad;
  if (MODE == MODE_SKLEARN) {
    let p_t = prob(base, t);
    l = -log(clip(p_t));
    poisoned = poisoned || is_nan(p_t);
    if (HAS_GRAD) {
      if (BINARY_COLUMN) {
        // p_1 = v, p_0 = 1 - v.
        let g = select(0.0, -1.0 / clip(p_t), clip_passes(p_t));
        grad[base] = select(select(-g, g, t == 1u), nan(), poisoned) * params.grad_scale;
      } else {
        for (var c = 0u; c < classes; c++) {
          let g = select(0.0, -1.0 / clip(p_t), c == t && clip_passes(p_t));
          store_grad(base, c, select(g, nan(), poisoned));
        }
      }
    }
  } else {
    var total = 0.0;
    for (var c = 0u; c < classes; c++) {
      total += prob(base, c);
    }
    if (MODE == MODE_KERAS_CATEGORICAL) {
      for (var c = 0u; c < classes; c++) {
        let q = prob(base, c) / total;
        poisoned = poisoned || is_nan(q);
        l -= smoothed_target(base, c) * log(clip(q));
      }
    } else {
      let q = prob(base, t) / total;
      poisoned = poisoned || is_nan(q);
      l = -log(clip(q));
    }
    if (HAS_GRAD) {
      var gr = 0.0;
      for (var c = 0u; c < classes; c++) {
        let r = prob(base, c) / total;
        gr += ratio_grad(base, c, t, r) * r;
      }
      for (var c = 0u; c < classes; c++) {
        let r = prob(base, c) / total;
        let g = (ratio_grad(base, c, t, r) - gr) / total;
        store_grad(base, c, select(g, nan(), poisoned || is_nan(gr)));
      }
    }
  }
  loss[grow] = select(l, nan(), poisoned);
}
