// @use log-math
// PyTorch's binary_cross_entropy_with_logits, stable for any x, four elements at once:
//   (1 - y) * x + lw * softplus(-x), lw = 1 + (pw - 1) * y, pw the broadcast pos_weight.
fn pos_weight4(global: u32) -> vec4<f32> {
  return vec4<f32>(pos_weight_at(global), pos_weight_at(global + 1u), pos_weight_at(global + 2u), pos_weight_at(global + 3u));
}

fn log_weight4(y: vec4<f32>, global: u32) -> vec4<f32> {
  var lw = vec4<f32>(1.0);
  if (HAS_POS_WEIGHT) {
    lw = 1.0 + (pos_weight4(global) - 1.0) * y;
  }
  return lw;
}

fn pointwise_loss4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  return (1.0 - y) * x + log_weight4(y, global) * softplus_neg4(x);
}

// d/dx = lw * sigmoid(x) - pw * y, or sigmoid(x) - y without pos_weight: PyTorch's two forms, so a
// target of ±inf gives what torch gives (without pos_weight ∓inf, not NaN).
fn pointwise_grad4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  var g = sigmoid4(x) - y;
  if (HAS_POS_WEIGHT) {
    g = log_weight4(y, global) * sigmoid4(x) - pos_weight4(global) * y;
  }
  return select(g, vec4<f32>(nan()), is_nan4(x) | is_nan4(y));
}
