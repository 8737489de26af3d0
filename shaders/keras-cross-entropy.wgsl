// @use numbers, rows, merge-lanes
// Cross-entropy from probabilities, as Keras 3 and scikit-learn compute it. ROW_THREADS lanes
// share a row (row-plan.ts: one thread per row for short rows, a class dim that is not last or a
// binary column; VEC4 rows read and write four classes at once). Passes over a row: its sum S
// (Keras), then the loss and, with HAS_GRAD, Σ g·r, merged across lanes; then the gradient.
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
// A NaN that enters the loss makes it NaN, as in Keras (SwiftShader's log would not carry it):
// `poisoned` tracks it.

fn clip(v: f32) -> f32 {
  return clamp(v, params.eps, 1.0 - params.eps);
}

// d clip(v) / dv: 1 where the clip passes v through (never for NaN).
fn clip_passes(v: f32) -> bool {
  return v >= params.eps && v <= 1.0 - params.eps;
}

fn clip_passes4(v: vec4<f32>) -> vec4<bool> {
  return (v >= vec4<f32>(params.eps)) & (v <= vec4<f32>(1.0 - params.eps));
}

// y' = y (1 - smoothing) + spread.
fn target_spread() -> f32 {
  return params.smoothing / f32(params.classes);
}

// Which of vec4 k's four classes is t.
fn is_class4(k: u32, t: u32) -> vec4<bool> {
  return vec4<u32>(0u, 1u, 2u, 3u) + 4u * k == vec4<u32>(t);
}

// Lane states are sums: merge-lanes.wgsl adds them.
fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return a + b;
}

// The row's sums of a lane's vec4 (every lane gets them; all invocations call it: it may hold
// barriers). `again`: a second merge, whose stores into workgroup memory must wait until every
// lane has read the first's result.
fn row_sums(v: vec4<f32>, lid: u32, lane: u32, again: bool) -> vec4<f32> {
  if (ROW_THREADS == 1u) {
    return v;
  }
  if (again && !SUBGROUPS) {
    workgroupBarrier();
  }
  return merge_lanes(v, lid, lane);
}

fn prob(base: u32, c: u32) -> f32 {
  if (BINARY_COLUMN) {
    let v = p[base];
    return select(1.0 - v, v, c == 1u);
  }
  return p[base + c * params.inner];
}

// This lane's share of the row's sum S = sum_c p_c, and how many of its p_c are ±inf (an infinite p
// over an infinite S is a NaN r: TensorFlow's gradient of the sparse loss is NaN on that row).
fn lane_total(base: u32, lane: u32) -> vec2<f32> {
  let classes = params.classes;
  var total = 0.0;
  var infs = 0.0;
  if (VEC4) {
    var t4 = vec4<f32>(0.0);
    for (var k = lane; k < classes / 4u; k += ROW_THREADS) {
      let v = p4[base / 4u + k];
      t4 += v;
      infs += dot(select(vec4<f32>(0.0), vec4<f32>(1.0), abs(v) == vec4<f32>(pos_inf())), vec4<f32>(1.0));
    }
    total = sum4(t4);
  } else {
    let stride = params.inner;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      let v = p[base + c * stride];
      total += v;
      infs += select(0.0, 1.0, abs(v) == pos_inf());
    }
  }
  return vec2<f32>(total, infs);
}

// Categorical, this lane's classes: (-sum y' log q, sum g r, NaN count, 0) against the row's sum.
fn lane_categorical(base: u32, lane: u32, total: f32) -> vec4<f32> {
  let classes = params.classes;
  let keep = 1.0 - params.smoothing;
  let spread = target_spread();
  let eps = params.eps;
  var l = 0.0;
  var gr = 0.0;
  var nans = 0.0;
  if (VEC4) {
    let lo = vec4<f32>(eps);
    let hi = vec4<f32>(1.0 - eps);
    for (var k = lane; k < classes / 4u; k += ROW_THREADS) {
      let q = p4[base / 4u + k] / total;
      let y = t4[base / 4u + k] * keep + spread;
      let cq = clamp(q, lo, hi);
      nans += select(0.0, 1.0, any(is_nan4(q)));
      l -= dot(y, log(cq));
      if (HAS_GRAD) {
        gr += dot(select(vec4<f32>(0.0), -y / cq, clip_passes4(q)), q);
      }
    }
  } else {
    let stride = params.inner;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      let i = base + c * stride;
      let q = p[i] / total;
      let y = bitcast<f32>(targets[i]) * keep + spread;
      nans += select(0.0, 1.0, is_nan(q));
      l -= y * log(clip(q));
      if (HAS_GRAD) {
        gr += select(0.0, -y / clip(q), clip_passes(q)) * q;
      }
    }
  }
  return vec4<f32>(l, gr, nans, 0.0);
}

// Writes this lane's gradient classes: (g_c - gr) / S times grad_scale, with g_c from `sparse`
// (class t: g_t; the others 0) or the categorical targets; NaN for a poisoned row.
fn write_grad(base: u32, lane: u32, total: f32, gr: f32, t: u32, g_t: f32, poisoned: bool) {
  let classes = params.classes;
  let scale = params.grad_scale / total;
  let keep = 1.0 - params.smoothing;
  let spread = target_spread();
  if (VEC4) {
    let base4 = base / 4u;
    let k0 = lane;
    let k1 = classes / 4u;
    if (poisoned) {
      for (var k = k0; k < k1; k += ROW_THREADS) {
        grad4[base4 + k] = vec4<f32>(nan());
      }
    } else if (MODE == MODE_KERAS_CATEGORICAL) {
      let lo = vec4<f32>(params.eps);
      let hi = vec4<f32>(1.0 - params.eps);
      for (var k = k0; k < k1; k += ROW_THREADS) {
        let q = p4[base4 + k] / total;
        let y = t4[base4 + k] * keep + spread;
        let g = select(vec4<f32>(0.0), -y / clamp(q, lo, hi), clip_passes4(q));
        grad4[base4 + k] = (g - gr) * scale;
      }
    } else {
      for (var k = k0; k < k1; k += ROW_THREADS) {
        let g = select(vec4<f32>(0.0), vec4<f32>(g_t), is_class4(k, t));
        grad4[base4 + k] = (g - gr) * scale;
      }
    }
  } else {
    let stride = params.inner;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      let i = base + c * stride;
      var g = select(0.0, g_t, c == t);
      if (MODE == MODE_KERAS_CATEGORICAL) {
        let q = p[i] / total;
        let y = bitcast<f32>(targets[i]) * keep + spread;
        g = select(0.0, -y / clip(q), clip_passes(q));
      }
      grad[i] = select((g - gr) * scale, nan(), poisoned);
    }
  }
}

// scikit-learn's gradient: -1 / clip(p_t) at t where the clip passes, 0 elsewhere, NaN for a poisoned row.
fn write_sklearn_grad(base: u32, lane: u32, t: u32, p_t: f32, poisoned: bool) {
  let g_t = select(0.0, -1.0 / clip(p_t), clip_passes(p_t)) * params.grad_scale;
  if (BINARY_COLUMN) {
    // p_1 = v, p_0 = 1 - v.
    grad[base] = select(select(-g_t, g_t, t == 1u), nan(), poisoned);
    return;
  }
  let classes = params.classes;
  if (VEC4) {
    for (var k = lane; k < classes / 4u; k += ROW_THREADS) {
      let g = select(vec4<f32>(0.0), vec4<f32>(g_t), is_class4(k, t));
      grad4[base / 4u + k] = select(g, vec4<f32>(nan()), poisoned);
    }
  } else {
    let stride = params.inner;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      grad[base + c * stride] = select(select(0.0, g_t, c == t), nan(), poisoned);
    }
  }
}

// One exit and every lane through the merges: they may hold barriers.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let row = slot.row;
  let lane = slot.lane;
  let grow = row + params.row_offset;
  var base = row + params.x_offset;
  if (!BINARY_COLUMN) {
    base = row_base(row, params.classes, params.inner) + params.x_offset;
  }
  var t = 0u;
  var bad = false;
  if (MODE != MODE_KERAS_CATEGORICAL && slot.in_range) {
    t = targets[grow];
    bad = t >= params.classes;
    if (bad) {
      t = 0u;
    }
  }
  var value = 0.0;
  var poisoned = bad;
  var grad_poisoned = false;
  if (MODE == MODE_SKLEARN) {
    var p_t = 0.0;
    if (slot.in_range) {
      p_t = prob(base, t);
      value = -log(clip(p_t));
      poisoned = poisoned || is_nan(p_t);
      if (HAS_GRAD) {
        write_sklearn_grad(base, lane, t, p_t, poisoned);
      }
    }
  } else {
    var lane_sums = vec2<f32>(0.0);
    if (slot.in_range) {
      lane_sums = lane_total(base, lane);
    }
    let sums = row_sums(vec4<f32>(lane_sums, 0.0, 0.0), lid, lane, false);
    let total = sums.x;
    var gr = 0.0;
    var g_t = 0.0;
    if (MODE == MODE_KERAS_CATEGORICAL) {
      var part = vec4<f32>(0.0);
      if (slot.in_range) {
        part = lane_categorical(base, lane, total);
      }
      let parts = row_sums(part, lid, lane, true);
      value = parts.x;
      gr = parts.y;
      poisoned = parts.z > 0.0;
      // A NaN target: the loss carries it (y log q); Σ g r does, and so the whole row's gradient.
      grad_poisoned = is_nan(gr);
    } else if (slot.in_range) {
      let q = prob(base, t) / total;
      poisoned = poisoned || is_nan(q);
      value = -log(clip(q));
      g_t = select(0.0, -1.0 / clip(q), clip_passes(q));
      gr = g_t * q;
      grad_poisoned = sums.y > 0.0 && abs(total) == pos_inf();
    }
    if (HAS_GRAD && slot.in_range) {
      write_grad(base, lane, total, gr, t, g_t, poisoned || grad_poisoned);
    }
  }
  if (slot.in_range && lane == 0u) {
    if (bad) {
      atomicMin(&status[0], grow);
    }
    loss[grow] = select(value, nan(), poisoned);
  }
}
