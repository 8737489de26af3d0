// @use online-softmax
// @needs uniforms: inner; overrides: ROW_THREADS, TWO_PASS; functions: load1
// A lane's state over its scalar elements of a row: classes c0 + lane, c0 + lane + ROW_THREADS,
// … below c1, `params.inner` apart from base. The kernel defines load1(i) (element i, after any
// transform) and the overrides ROW_THREADS and TWO_PASS.
// TWO_PASS (CPU-emulated adapters, where per-element branches run both sides and exp is costly):
// a branch-free max pass, then a sum pass against it; the second, cache-hot read costs less than
// the online rescaling. Otherwise one online update per element. Loop bounds and strides are
// hoisted into locals and functions have one exit: SwiftShader (Subzero) neither hoists uniform
// loads nor skips the masked tail of a function after an early return.

struct LaneMax {
  m: f32,
  // A NaN or +inf element: the row's softmax is NaN.
  poisoned: bool,
}

fn lane_max(base: u32, lane: u32, c0: u32, c1: u32) -> LaneMax {
  let stride = params.inner;
  var m = neg_inf();
  var poisoned = false;
  for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
    let v = load1(base + c * stride);
    m = max(m, v);
    poisoned = poisoned || is_nan(v) || v == pos_inf();
  }
  return LaneMax(m, poisoned);
}

// inv_t scales (x - m) before exp (a softmax temperature).
fn lane_state_scalar(base: u32, lane: u32, c0: u32, c1: u32, inv_t: f32) -> Online {
  let stride = params.inner;
  var acc = online_empty();
  if (TWO_PASS) {
    let mx = lane_max(base, lane, c0, c1);
    var s = 0.0;
    if (mx.m != neg_inf()) {
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        s += exp((load1(base + c * stride) - mx.m) * inv_t);
      }
    }
    acc = Online(mx.m, select(s, nan(), mx.poisoned));
  } else {
    for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
      acc = online_add(acc, load1(base + c * stride), inv_t);
    }
  }
  return acc;
}
