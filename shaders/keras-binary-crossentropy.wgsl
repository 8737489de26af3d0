// @use elementwise-loss, log-math
// keras.losses.binary_crossentropy per element, target smoothed to y' = (1 - eps_s) y + eps_s / 2:
//   probabilities: -(y' log q + (1 - y') log(1 - q)), q = clip(p, eps, 1 - eps)
//   FROM_LOGITS:   max(x, 0) - x y' + log1p(exp(-|x|))
fn pointwise_loss(v: f32, y: f32, global: u32) -> f32 {
  let t = y * (1.0 - params.smoothing) + 0.5 * params.smoothing;
  if (FROM_LOGITS) {
    return max(v, 0.0) - v * t + log1p_small(exp(-abs(v)));
  }
  let q = clamp(v, params.eps, 1.0 - params.eps);
  return -(t * log(q) + (1.0 - t) * log(1.0 - q));
}
