// @use dispatch, logits-vec4, span4-store, class-target, softcap, class-weight
// @needs uniforms: classes, inner, x_offset, row_offset, f32_offset, ignore_index, scale, smoothing, softcap, z_loss; bindings: targets, divisor, out4, x4; overrides: ROW_THREADS, DTYPE, VEC4, SPAN4_STORE, PROB_TARGET, SMOOTHING, SOFTCAP, Z_LOSS, MEAN, IN_PLACE, LOG_PROBS; functions: store
// d(loss)/d(logits) for one cross-entropy row from its statistics (m, log s, W) and the mean's
// divisor D: cross-entropy-grad.wgsl (after the row pass and the reduction) and
// cross-entropy-with-grad.wgsl (fused, right after the row's own statistics). With z = softcap(x)
// and p = exp((z - m) - log s):
//   class index t:  g = (1 - eps) w_t (p - [c == t]) + eps / C (W p - w_c) + 2 z_loss w_t lse p
//   probabilities:  g = W p - w_c q_c + 2 z_loss lse p,  q = (1 - eps) y + eps / C, W = sum w_c q_c
// times scale (1 / ln base) / D for 'mean', and (1 - (z / softcap)^2) through the softcap.
// Ignored positions get 0, bad ones (a class index out of range) NaN. LOG_PROBS (nll_loss on
// log-probabilities): g = -w_t [c == t] / D, the input never read. VEC4 rows (classes % 4 == 0,
// class dim last, class-index targets, no smoothing) go four classes at a time; with SPAN4_STORE
// (classes % 4 != 0, unsliced, ≥ 32 classes: row-plan.ts span4Stores) the vec4s spanning the row.
// IN_PLACE reads the logits through out4, the vec4 view the gradient is written to. The kernel
// defines store(i, g) (scalar rows' element i of the logits' bound range) and declares the
// bindings xw, targets, weight, divisor, out4, x4 and the overrides MEAN, IN_PLACE, LOG_PROBS,
// SPAN4_STORE beside kPassOverrides'.

// A row's constants for the vec4 loops.
struct Row4 {
  m: f32,
  log_s: f32,
  p_coef: f32,
  w_t: f32,
  factor: f32,
  // The target's element index in the logits' bound range.
  te: u32,
}

// The gradient of the logits' vec4 k (elements 4k..4k+3 of their bound range).
fn grad4_at(k: u32, r: Row4) -> vec4<f32> {
  var z = vec4<f32>(0.0);
  if (LOG_PROBS) {
    // Not read: the gradient of nll_loss does not depend on the input.
  } else if (IN_PLACE) {
    z = out4[k];
  } else if (DTYPE == DTYPE_F32) {
    z = x4[k];
  } else {
    z = x4_half(k);
  }
  if (SOFTCAP) {
    z = soft_cap4(z, params.softcap);
  }
  var g = vec4<f32>(0.0);
  if (!LOG_PROBS) {
    g = r.p_coef * exp((z - r.m) - r.log_s);
  }
  // The target's -w_t by a select, not a branch: SwiftShader would run the branch's dynamic index
  // on every vec4 under a mask. A select of g itself elsewhere: g - 0 may compile to -0 for g = 0
  // (nll_loss: +0 off the target).
  let first = 4u * k;
  g = select(g, g - r.w_t, vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(r.te));
  g *= r.factor;
  if (SOFTCAP) {
    g *= soft_cap_slope4(z, params.softcap);
  }
  return g;
}

// This lane's gradient elements of classes [c0, c1) of one row. (No early return: SwiftShader runs
// the rest of a function that may return early under a mask, which cost 20% here.)
fn grad_row(row: u32, lane: u32, c0: u32, c1: u32, stats: vec4<f32>) {
  let classes = params.classes;
  let stride = params.inner;
  let grow = row + params.row_offset;
  let base = row_base(row, classes, stride) + params.x_offset;
  let m = stats.x;
  let log_s = stats.y;
  let lse = m + log_s;
  // A row whose softmax is undefined (a NaN or +inf logit, every class masked: the row pass wrote
  // lse = NaN) has a NaN gradient, as PyTorch's; SwiftShader's exp would not carry the NaN.
  let undefined_row = is_nan(m);
  var factor = params.scale;
  if (MEAN) {
    factor /= divisor[0];
  }

  // Per row: the target (or none), its weight, and the coefficient of p in g.
  var t = NO_POSITION;
  var w_t = 1.0;
  var skip = false;
  var bad = false;
  if (!PROB_TARGET) {
    let ct = class_target(targets[grow], params.ignore_index, classes);
    skip = ct.ignored || ct.bad;
    bad = ct.bad;
    t = ct.index;
    if (!skip) {
      w_t = class_weight(t);
    }
  }
  var p_coef = 0.0;
  if (LOG_PROBS) {
    p_coef = 0.0;
  } else if (PROB_TARGET) {
    p_coef = stats.z;
  } else {
    p_coef = w_t;
    if (SMOOTHING) {
      p_coef = (1.0 - params.smoothing) * w_t + params.smoothing / f32(classes) * stats.z;
    }
  }
  if (Z_LOSS) {
    p_coef += 2.0 * params.z_loss * w_t * lse;
  }

  // An ignored row's gradient is 0 even when its logits are undefined; a bad label's is NaN.
  let fill = select(select(vec4<f32>(nan()), vec4<f32>(0.0), skip), vec4<f32>(nan()), bad);
  // Row constants read once, and a row that is skipped (0), bad or undefined (NaN) filled by a loop
  // of its own: Subzero reloads uniforms and re-tests row-constant selects on every iteration.
  let row4 = Row4(m, log_s, p_coef, w_t, factor, base + t);
  if (VEC4) {
    let base4 = base / 4u;
    // The gradient's vec4 index is the logits' shifted by a row-constant.
    let o4 = base4 + params.f32_offset / 4u - params.x_offset / 4u;
    let k0 = c0 / 4u + lane;
    let k1 = c1 / 4u;
    if (skip || undefined_row) {
      for (var k = k0; k < k1; k += ROW_THREADS) {
        out4[o4 + k] = fill;
      }
    } else {
      // Four vec4s an iteration where lanes share a row, as softmax.wgsl's output loop (which says
      // why); with the select above, Chromium (SwiftShader): 2.39 → 2.15× the copy+exp floor on
      // [1024, 1000], 1.91 → 1.58× on [64, 32000], 2.06 → 1.70× on [4, 128256]; with a thread a
      // row it slowed [4096, 12] 0.99 → 1.23 ms.
      var k = k0;
      if (ROW_THREADS > 1u) {
        for (; k + 3u * ROW_THREADS < k1; k += 4u * ROW_THREADS) {
          out4[o4 + k] = grad4_at(base4 + k, row4);
          out4[o4 + k + ROW_THREADS] = grad4_at(base4 + k + ROW_THREADS, row4);
          out4[o4 + k + 2u * ROW_THREADS] = grad4_at(base4 + k + 2u * ROW_THREADS, row4);
          out4[o4 + k + 3u * ROW_THREADS] = grad4_at(base4 + k + 3u * ROW_THREADS, row4);
        }
      }
      for (; k < k1; k += ROW_THREADS) {
        out4[o4 + k] = grad4_at(base4 + k, row4);
      }
    }
  } else if (SPAN4_STORE) {
    // The vec4s spanning elements [e0, e1) of the row (classes % 4 != 0, unsliced).
    let e0 = base + c0;
    let e1 = base + c1;
    let k1 = (e1 + 3u) / 4u;
    if (skip || undefined_row) {
      for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
        store_span4(k, fill, span4_inside(k, e0, e1));
      }
    } else {
      for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
        store_span4(k, grad4_at(k, row4), span4_inside(k, e0, e1));
      }
    }
  } else if (skip || undefined_row) {
    for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
      store(base + c * stride, fill.x);
    }
  } else {
    let one_hot = (1.0 - params.smoothing) * w_t;
    let spread = params.smoothing / f32(classes);
    for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
      let i = base + c * stride;
      var z = 0.0;
      var g = 0.0;
      if (!LOG_PROBS) {
        z = x_at(i);
        if (SOFTCAP) {
          z = soft_cap(z, params.softcap);
        }
        g = p_coef * exp((z - m) - log_s);
      }
      if (PROB_TARGET) {
        let y = bitcast<f32>(targets[i - params.x_offset + params.f32_offset]);
        let q = select(y, y * (1.0 - params.smoothing) + spread, SMOOTHING);
        g -= class_weight(c) * q;
      } else {
        // A select of g itself elsewhere: g - 0 may compile to -0 for g = 0 (nll_loss: +0 off the target).
        g = select(g, g - one_hot, c == t);
        if (SMOOTHING) {
          g -= spread * class_weight(c);
        }
      }
      g *= factor;
      if (SOFTCAP) {
        g *= soft_cap_slope(z, params.softcap);
      }
      store(i, g);
    }
  }
}
