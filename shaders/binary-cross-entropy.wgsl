// @use elementwise-loss, log-math
// PyTorch's binary_cross_entropy: -(y * max(log p, -100) + (1 - y) * max(log(1 - p), -100)).
fn pointwise_loss(p: f32, y: f32, global: u32) -> f32 {
  // Outside [0, 1] log is NaN (PyTorch refuses such input); never a quiet clamp to -100.
  if (p < 0.0 || p > 1.0) {
    return nan();
  }
  return -(y * max(log_exact_zero(p), -100.0) + (1.0 - y) * max(log_exact_zero(1.0 - p), -100.0));
}

// PyTorch's binary_cross_entropy_backward: (p - y) / max(p (1 - p), 1e-12) (its EPSILON), so
// p = 0 or 1 gives a large finite slope, not the clamped log's zero.
fn pointwise_grad(p: f32, y: f32, global: u32) -> f32 {
  let g = (p - y) / max(p * (1.0 - p), 1e-12);
  return select(g, nan(), p < 0.0 || p > 1.0 || is_nan(p) || is_nan(y));
}
