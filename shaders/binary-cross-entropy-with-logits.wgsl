// @use elementwise-loss, log-math
// PyTorch's binary_cross_entropy_with_logits, stable for any x:
//   (1 - y) * x + lw * softplus(-x), lw = 1 + (pw - 1) * y, pw the broadcast pos_weight.
fn log_weight(y: f32, global: u32) -> f32 {
  var lw = 1.0;
  if (HAS_POS_WEIGHT) {
    lw = 1.0 + (pos_weight_at(global) - 1.0) * y;
  }
  return lw;
}

fn pointwise_loss(x: f32, y: f32, global: u32) -> f32 {
  return (1.0 - y) * x + log_weight(y, global) * softplus_neg(x);
}

// d/dx = lw * sigmoid(x) - pw * y (sigmoid(x) - y without pos_weight).
fn pointwise_grad(x: f32, y: f32, global: u32) -> f32 {
  let lw = log_weight(y, global);
  // lw - 1 + y = pw * y.
  let g = lw * sigmoid(x) - (lw - 1.0 + y);
  return select(g, nan(), is_nan(x) || is_nan(y));
}
