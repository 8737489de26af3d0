// @use elementwise-loss, log-math
// PyTorch's binary_cross_entropy_with_logits, stable for any x:
//   (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x), pw = pos_weight[global % pos_weight_size].
fn pointwise_loss(x: f32, y: f32, global: u32) -> f32 {
  var lw = 1.0;
  if (HAS_POS_WEIGHT) {
    lw = 1.0 + (pos_weight[global % params.pos_weight_size] - 1.0) * y;
  }
  return (1.0 - y) * x + lw * softplus_neg(x);
}
