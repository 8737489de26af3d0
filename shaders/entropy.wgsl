// @use logits, logits-vec4, span4-store, rows, online-softmax, merge-lanes, log-math
// Shannon entropy per row, in nats (the host scales to bits).
//   probabilities: H = -sum_c p_c log p_c, with 0 log 0 = 0 and NaN for p < 0 or NaN.
//   logits (FROM_LOGITS): H = log s - t / s in one online pass, where s = sum exp(x - m) and
//   t = sum exp(x - m) (x - m); masked (-inf) classes have p = 0 and add nothing.
// Entry point with_grad: a second pass over the row writes dH/dx times grad_scale (1 / ln base, / rows for a
// mean): probabilities -(log p + 1) (+inf at p = 0, as torch.special.entr's); logits
// -p (log p + H), 0 for masked classes.

struct State {
  on: Online,
  // Logits: sum exp(x - m) (x - m). Probabilities: the running -sum p log p.
  t: f32,
}

// One exit (SwiftShader runs what follows a possible early return under a mask).
fn add(a: State, v: f32) -> State {
  var r = a;
  if (!FROM_LOGITS) {
    // 0 log 0 = 0; a negative or NaN probability makes the row NaN.
    if (is_nan(v) || v < 0.0) {
      r.t = nan();
    } else if (v != 0.0) {
      r.t = a.t - v * log(v);
    }
  } else if (is_nan(v) || v == pos_inf()) {
    // The row's softmax is undefined: s is NaN from here on (t no longer matters).
    r.on.s = nan();
  } else if (v > a.on.m) {
    r = rebased4(a, v, false);
    r.on.s += 1.0;
  } else if (v != neg_inf()) {
    // One exp for both sums (a NaN s stays NaN); a class whose p underflows to 0 adds 0 to t.
    let d = v - a.on.m;
    let e = exp(d);
    r.on.s = a.on.s + e;
    r.t = a.t + select(e * d, 0.0, e == 0.0);
  }
  return r;
}

// VEC4 and SPAN4 rows: four classes per load. Logits go branch-free, as lane-vec4.wgsl's online
// softmax (whose comment says why): the new max of the four, s and t re-based by one exp, four
// exps; the state starts from lowest_max() (online-softmax.wgsl).
fn add4(a: State, v: vec4<f32>) -> State {
  var r = a;
  if (!FROM_LOGITS) {
    let bad = any(is_nan4(v)) || any(v < vec4<f32>(0.0));
    // 0 log 0 = 0; a negative or NaN probability makes the row NaN.
    let terms = select(v * log(v), vec4<f32>(0.0), v == vec4<f32>(0.0));
    r.t = select(a.t - sum4(terms), nan(), bad);
  } else {
    r = rebased4(a, max4(v), poisons4(v));
    let d = v - r.on.m;
    let e = exp(d);
    r.on.s += sum4(e);
    r.t += sum4(masked_terms(e, d));
  }
  return r;
}

// Four vec4s of logits at once (VEC4 rows): one re-base for sixteen classes.
fn add16(a: State, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) -> State {
  var r = a;
  if (!FROM_LOGITS) {
    r = add4(add4(add4(add4(a, v0), v1), v2), v3);
  } else {
    let poisoned = poisons4(v0) || poisons4(v1) || poisons4(v2) || poisons4(v3);
    r = rebased4(a, max4(max(max(v0, v1), max(v2, v3))), poisoned);
    let m = r.on.m;
    let d0 = v0 - m;
    let d1 = v1 - m;
    let d2 = v2 - m;
    let d3 = v3 - m;
    let e0 = exp(d0);
    let e1 = exp(d1);
    let e2 = exp(d2);
    let e3 = exp(d3);
    r.on.s += sum4((e0 + e1) + (e2 + e3));
    r.t += sum4((masked_terms(e0, d0) + masked_terms(e1, d1)) + (masked_terms(e2, d2) + masked_terms(e3, d3)));
  }
  return r;
}

// e · d of four classes, 0 where e is 0: a -inf class, and a finite one so far below the max that
// x - m overflows to -inf (-3e38 beside 3e38), where e · d would be 0 · -inf (torch's
// Categorical.entropy clamps the log-probability to the lowest finite value: 0 too).
fn masked_terms(e: vec4<f32>, d: vec4<f32>) -> vec4<f32> {
  return select(e * d, vec4<f32>(0.0), e == vec4<f32>(0.0));
}

// The state re-based to m' = max(m, vm) without a branch (poisoned: s becomes NaN): s' = r s,
// t' = r (t + (m - m') s), r = exp(m - m'); unchanged when the max did not move (exp(0) need not
// be exactly 1), and t' = 0 when r underflows (a jump past f32's range, a 3.4e38 logit, or from an
// empty state's -inf: the old terms vanish, so 0, not 0 · inf).
fn rebased4(a: State, vm: f32, poisoned: bool) -> State {
  let s = select(a.on.s, nan(), poisoned);
  let m = max(a.on.m, vm);
  let shift = a.on.m - m;
  let r = exp(shift);
  let t = select(r * (a.t + shift * s), 0.0, r == 0.0);
  let same = a.on.m == m;
  return State(Online(m, select(r * s, s, same)), select(t, a.t, same));
}

fn merge(a: State, b: State) -> State {
  if (!FROM_LOGITS) {
    return State(a.on, a.t + b.t);
  }
  let on = online_merge(a.on, b.on, 1.0);
  return State(on, rebased4(a, on.m, false).t + rebased4(b, on.m, false).t);
}

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let r = merge(State(Online(a.x, a.y), a.z), State(Online(b.x, b.y), b.z));
  return vec4<f32>(r.on.m, r.on.s, r.t, 0.0);
}

// log_s: log(on.s), taken once per row by the caller.
fn grad_at(v: f32, on: Online, log_s: f32, h: f32) -> f32 {
  var g = 0.0;
  if (FROM_LOGITS) {
    let d = v - on.m;
    let logp = d - log_s;
    let p = exp(logp);
    // 0 where p underflows to 0 (a -inf class, or logp overflowing to -inf: 0 · -inf).
    g = select(-p * (logp + h), 0.0, p == 0.0);
  } else {
    g = select(-(log_exact_zero(v) + 1.0), nan(), is_nan(v) || v < 0.0);
  }
  return g;
}

// grad_at for four classes (VEC4 rows).
fn grad_at4(v: vec4<f32>, on: Online, log_s: f32, h: f32) -> vec4<f32> {
  var g = vec4<f32>(0.0);
  if (FROM_LOGITS) {
    let logp = (v - on.m) - log_s;
    let p = exp(logp);
    g = select(-p * (logp + h), vec4<f32>(0.0), p == vec4<f32>(0.0));
  } else {
    let log_v = select(log(v), vec4<f32>(neg_inf()), v == vec4<f32>(0.0));
    g = select(-(log_v + 1.0), vec4<f32>(nan()), is_nan4(v) | (v < vec4<f32>(0.0)));
  }
  return g;
}

// This lane's state over its classes of the row (all lanes of a row, merged, when ROW_THREADS > 1:
// call from uniform control flow).
fn row_state(slot: RowSlot, lid: u32) -> State {
  let stride = params.inner;
  var acc = State(online_empty(), 0.0);
  if (slot.in_range) {
    let classes = params.classes;
    let base = row_base(slot.row, classes, stride) + params.x_offset;
    // Bounds in locals: Subzero reloads a uniform on every iteration.
    if (FROM_LOGITS && (VEC4 || SPAN4)) {
      acc.on.m = lowest_max();
    }
    if (VEC4) {
      let base4 = base / 4u;
      let n4 = classes / 4u;
      var k = slot.lane;
      // Blocks where lanes share a row (see lane-vec4.wgsl); unlike there, 16-bit rows gain from
      // them too (Chromium, f16 entropy [64, 32000] / [4, 128256]: 7.09 / 1.95 → 5.43 / 1.62 ms).
      if (ROW_THREADS > 1u) {
        for (; k + 3u * ROW_THREADS < n4; k += 4u * ROW_THREADS) {
          let k4 = base4 + k;
          acc = add16(acc, x4_at(k4), x4_at(k4 + ROW_THREADS), x4_at(k4 + 2u * ROW_THREADS), x4_at(k4 + 3u * ROW_THREADS));
        }
      }
      for (; k < n4; k += ROW_THREADS) {
        acc = add4(acc, x4_at(base4 + k));
      }
    } else if (SPAN4) {
      // The vec4s spanning the row, the neighbouring rows' elements replaced by classes that add
      // nothing (a masked logit, a zero probability).
      let fill = vec4<f32>(select(0.0, neg_inf(), FROM_LOGITS));
      let end = base + classes;
      let k1 = (end + 3u) / 4u;
      for (var k = base / 4u + slot.lane; k < k1; k += ROW_THREADS) {
        acc = add4(acc, select(fill, x4_at(k), span4_inside(k, base, end)));
      }
    } else {
      for (var c = slot.lane; c < classes; c += ROW_THREADS) {
        acc = add(acc, x_at(base + c * stride));
      }
    }
  }
  if (ROW_THREADS > 1u) {
    let merged = merge_lanes(vec4<f32>(acc.on.m, acc.on.s, acc.t, 0.0), lid, slot.lane);
    acc = State(Online(merged.x, merged.y), merged.z);
  }
  return acc;
}

// H in nats from a row's merged state (NaN where the softmax is undefined).
fn row_entropy(acc: State) -> f32 {
  var h = acc.t;
  if (FROM_LOGITS) {
    h = select(log(acc.on.s) - acc.t / acc.on.s, nan(), online_undefined(acc.on));
  }
  return h;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let acc = row_state(slot, lid);
  if (slot.in_range && slot.lane == 0u) {
    out[slot.row + params.row_offset] = row_entropy(acc) * params.scale;
  }
}

// The entropy and, in a second sweep of the row, dH/dx (the forward's pipeline has none of it).
@compute @workgroup_size(WG)
fn with_grad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let acc = row_state(slot, lid);
  let h = row_entropy(acc);
  if (slot.in_range) {
    let stride = params.inner;
    let base = row_base(slot.row, params.classes, stride) + params.x_offset;
    let to_grad = params.grad_offset - params.x_offset;
    let undefined_row = FROM_LOGITS && online_undefined(acc.on);
    let classes = params.classes;
    let log_s = log(acc.on.s);
    let grad_scale = params.grad_scale;
    if (VEC4) {
      let base4 = base / 4u;
      // Both offsets are whole vec4s for VEC4 rows; each divided apart (their difference may be negative).
      let o4 = base4 - params.x_offset / 4u + params.grad_offset / 4u;
      let n4 = classes / 4u;
      // One loop per row case: Subzero re-tests a row-constant select on every iteration.
      if (undefined_row) {
        for (var k = slot.lane; k < n4; k += ROW_THREADS) {
          out4[o4 + k] = vec4<f32>(nan());
        }
      } else {
        for (var k = slot.lane; k < n4; k += ROW_THREADS) {
          out4[o4 + k] = grad_at4(x4_at(base4 + k), acc.on, log_s, h) * grad_scale;
        }
      }
    } else if (SPAN4_STORE) {
      // The vec4s spanning the row (unsliced: the gradient's index is the input's).
      let end = base + classes;
      let k1 = (end + 3u) / 4u;
      if (undefined_row) {
        for (var k = base / 4u + slot.lane; k < k1; k += ROW_THREADS) {
          store_span4(k, vec4<f32>(nan()), span4_inside(k, base, end));
        }
      } else {
        for (var k = base / 4u + slot.lane; k < k1; k += ROW_THREADS) {
          store_span4(k, grad_at4(x4_at(k), acc.on, log_s, h) * grad_scale, span4_inside(k, base, end));
        }
      }
    } else {
      for (var c = slot.lane; c < classes; c += ROW_THREADS) {
        let i = base + c * stride;
        let g = grad_at(x_at(i), acc.on, log_s, h) * grad_scale;
        grad[i + to_grad] = select(g, nan(), undefined_row);
      }
    }
    if (slot.lane == 0u) {
      out[slot.row + params.row_offset] = h * params.scale;
    }
  }
}
