// @use numbers
// Weighted sum of gaps to the running max, D = sum_c w_c * (m - x_c), kept alongside the online
// state so that sum_c w_c * (lse - x_c) = D + W * log(s) comes out of the same single pass
// (label smoothing, probability targets). Shifting by m keeps the digits at |logit| ~ 1e4.
struct Gaps {
  w: f32,
  d: f32,
}

// (m_to - m_from) * w, for re-basing D when the max moves; 0 while nothing has been added.
fn gap_shift(w: f32, m_from: f32, m_to: f32) -> f32 {
  if (w == 0.0 || m_from == m_to) {
    return 0.0;
  }
  return (m_to - m_from) * w;
}

// w * (m - x) with PyTorch's -inf rules: a masked class costs +inf (or NaN when its weight is 0).
// The max's own gap is 0 whatever its weight: an infinite weight there counts through W log s
// alone (PyTorch: w * (lse - x) = -inf * log s), not as inf * 0 = NaN.
fn weighted_gap(w: f32, m: f32, x: f32) -> f32 {
  if (x == neg_inf()) {
    if (w == 0.0) {
      return nan();
    }
    return w * pos_inf();
  }
  return select(w * (m - x), 0.0, x == m);
}
