// @use log-math
// keras.losses.binary_crossentropy per element (four at once), target smoothed to
// y' = (1 - eps_s) y + eps_s / 2:
//   probabilities: -(y' log q + (1 - y') log(1 - q)), q = clip(p, eps, 1 - eps)
//   FROM_LOGITS:   max(x, 0) - x y' + log1p(exp(-|x|))
fn smoothed4(y: vec4<f32>) -> vec4<f32> {
  return y * (1.0 - params.smoothing) + 0.5 * params.smoothing;
}

fn clip4(v: vec4<f32>) -> vec4<f32> {
  return clamp(v, vec4<f32>(params.eps), vec4<f32>(1.0 - params.eps));
}

fn pointwise_loss4(v: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let t = smoothed4(y);
  if (FROM_LOGITS) {
    return max(v, vec4<f32>(0.0)) - v * t + log1p_small4(exp(-abs(v)));
  }
  let q = clip4(v);
  return -(t * log(q) + (1.0 - t) * log(1.0 - q));
}

// As TensorFlow differentiates it: logits sigmoid(x) - y'; probabilities (1 - y') / (1 - q) - y' / q
// where eps <= p <= 1 - eps, and 0 where the clip clips (tf.clip_by_value's gradient).
fn pointwise_grad4(v: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let t = smoothed4(y);
  var g: vec4<f32>;
  if (FROM_LOGITS) {
    g = sigmoid4(v) - t;
  } else {
    let q = clip4(v);
    let passes = (v >= vec4<f32>(params.eps)) & (v <= vec4<f32>(1.0 - params.eps));
    g = select(vec4<f32>(0.0), (1.0 - t) / (1.0 - q) - t / q, passes);
  }
  return select(g, vec4<f32>(nan()), is_nan4(v) | is_nan4(y));
}
