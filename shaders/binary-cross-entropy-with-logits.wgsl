// @use elementwise-loss, log-math
// PyTorch's binary_cross_entropy_with_logits, stable for any x, four elements at once:
//   (1 - y) * x + lw * softplus(-x), lw = 1 + (pw - 1) * y, pw the broadcast pos_weight.
fn log_weight4(y: vec4<f32>, global: u32) -> vec4<f32> {
  var lw = vec4<f32>(1.0);
  if (HAS_POS_WEIGHT) {
    let pw = vec4<f32>(pos_weight_at(global), pos_weight_at(global + 1u), pos_weight_at(global + 2u), pos_weight_at(global + 3u));
    lw = 1.0 + (pw - 1.0) * y;
  }
  return lw;
}

fn pointwise_loss4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  return (1.0 - y) * x + log_weight4(y, global) * softplus_neg4(x);
}

// d/dx = lw * sigmoid(x) - pw * y (sigmoid(x) - y without pos_weight).
fn pointwise_grad4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let lw = log_weight4(y, global);
  // lw - 1 + y = pw * y.
  let g = lw * sigmoid4(x) - (lw - 1.0 + y);
  return select(g, vec4<f32>(nan()), is_nan4(x) | is_nan4(y));
}
