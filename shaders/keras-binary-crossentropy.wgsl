// @use elementwise-loss, log-math
// keras.losses.binary_crossentropy per element, target smoothed to y' = (1 - eps_s) y + eps_s / 2:
//   probabilities: -(y' log q + (1 - y') log(1 - q)), q = clip(p, eps, 1 - eps)
//   FROM_LOGITS:   max(x, 0) - x y' + log1p(exp(-|x|))
fn smoothed(y: f32) -> f32 {
  return y * (1.0 - params.smoothing) + 0.5 * params.smoothing;
}

fn pointwise_loss(v: f32, y: f32, global: u32) -> f32 {
  let t = smoothed(y);
  if (FROM_LOGITS) {
    return max(v, 0.0) - v * t + log1p_small(exp(-abs(v)));
  }
  let q = clamp(v, params.eps, 1.0 - params.eps);
  return -(t * log(q) + (1.0 - t) * log(1.0 - q));
}

// As TensorFlow differentiates it: logits sigmoid(x) - y'; probabilities (1 - y') / (1 - q) - y' / q
// where eps <= p <= 1 - eps, and 0 where the clip clips (tf.clip_by_value's gradient).
fn pointwise_grad(v: f32, y: f32, global: u32) -> f32 {
  let t = smoothed(y);
  var g = 0.0;
  if (FROM_LOGITS) {
    g = sigmoid(v) - t;
  } else {
    let q = clamp(v, params.eps, 1.0 - params.eps);
    g = select(0.0, (1.0 - t) / (1.0 - q) - t / q, v >= params.eps && v <= 1.0 - params.eps);
  }
  return select(g, nan(), is_nan(v) || is_nan(y));
}
