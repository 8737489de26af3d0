// @use elementwise-loss
// PyTorch's kl_div, pointwise: xlogy(y, y) - y * x (input x = log q, target y = p); with
// LOG_TARGET, exp(y) * (y - x).
fn pointwise_loss(x: f32, y: f32, global: u32) -> f32 {
  if (LOG_TARGET) {
    if (y == neg_inf()) {
      return nan();
    }
    return exp(y) * (y - x);
  }
  if (y == 0.0) {
    // xlogy(0, 0) = 0, but 0 * -inf is NaN in PyTorch too.
    return select(0.0, nan(), x == neg_inf());
  }
  if (y < 0.0) {
    return nan();
  }
  return y * log(y) - y * x;
}

// PyTorch's autograd of the same expression: -y (LOG_TARGET: -exp(y)), whatever x is.
fn pointwise_grad(x: f32, y: f32, global: u32) -> f32 {
  var g = -y;
  if (LOG_TARGET) {
    g = -exp(y);
  }
  return select(g, nan(), is_nan(y));
}
