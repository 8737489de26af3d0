// PyTorch's kl_div, pointwise, four elements at once: xlogy(y, y) - y * x (input x = log q,
// target y = p); with LOG_TARGET, exp(y) * (y - x).
fn pointwise_loss4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let bad = vec4<f32>(nan());
  if (LOG_TARGET) {
    return select(exp(y) * (y - x), bad, y == vec4<f32>(neg_inf()));
  }
  // xlogy(0, 0) = 0, but 0 * -inf is NaN in PyTorch too; a negative target is NaN.
  let at_zero = select(vec4<f32>(0.0), bad, x == vec4<f32>(neg_inf()));
  let l = select(y * log(y) - y * x, at_zero, y == vec4<f32>(0.0));
  return select(l, bad, y < vec4<f32>(0.0));
}

// PyTorch's autograd of the same expression: -y (LOG_TARGET: -exp(y)), whatever x is.
fn pointwise_grad4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  var g = -y;
  if (LOG_TARGET) {
    g = -exp(y);
  }
  return select(g, vec4<f32>(nan()), is_nan4(y));
}
