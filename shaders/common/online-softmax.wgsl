// @use numbers
// Online softmax state: running max m and sum of exp((x - m) * inv_t).
// A NaN or +inf element sets s to NaN (PyTorch's exp(inf - inf) poisons the whole row too), and
// s stays NaN through every update, whatever max() or exp() do with NaN on a given GPU.
struct Online {
  m: f32,
  s: f32,
}

fn online_empty() -> Online {
  return Online(neg_inf(), 0.0);
}

// The max a branch-free update (lane-vec4.wgsl) starts from instead of -inf: -3.4028235e38, the
// lowest finite f32, so that x - m is never -inf - -inf (NaN): a -inf element adds exp(-inf) = 0
// with no test, and a lane that sees only -inf keeps s = 0 (online_undefined).
fn lowest_max() -> f32 {
  return bitcast<f32>(0xff7fffffu);
}

// s (against max m_from) against m_to >= m_from: s · exp((m_from - m_to) · inv_t), s itself when
// the max did not move (exp(0) need not be exactly 1 on every device). A NaN s stays NaN, an empty
// state (s = 0, m_from = -inf) stays 0. No branch: SwiftShader would run a branch's exp anyway.
fn rebased(s: f32, m_from: f32, m_to: f32, inv_t: f32) -> f32 {
  return select(s * exp((m_from - m_to) * inv_t), s, m_from == m_to);
}

fn online_add(a: Online, x: f32, inv_t: f32) -> Online {
  if (is_nan(x) || x == pos_inf()) {
    return Online(a.m, nan());
  }
  if (x > a.m) {
    return Online(x, rebased(a.s, a.m, x, inv_t) + 1.0);
  }
  // A -inf x adds exactly 0, also while m is still -inf.
  if (x == neg_inf()) {
    return a;
  }
  return Online(a.m, a.s + exp((x - a.m) * inv_t));
}

fn online_merge(a: Online, b: Online, inv_t: f32) -> Online {
  let m = max(a.m, b.m);
  return Online(m, rebased(a.s, a.m, m, inv_t) + rebased(b.s, b.m, m, inv_t));
}

// A row whose softmax is undefined (a NaN or +inf element, or every element -inf): PyTorch gives NaN.
fn online_undefined(a: Online) -> bool {
  return is_nan(a.s) || a.s == 0.0;
}
