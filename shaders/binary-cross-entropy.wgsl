// PyTorch's binary_cross_entropy: -(y * max(log p, -100) + (1 - y) * max(log(1 - p), -100)), four
// elements at once, branch-free. log(0) is -inf, so clamped to -100 (SwiftShader's log(0) is about
// -88: a select, not max alone).
fn pointwise_loss4(p: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let lo = vec4<f32>(-100.0);
  let log_p = select(max(log(p), lo), lo, p == vec4<f32>(0.0));
  let log_q = select(max(log(1.0 - p), lo), lo, p == vec4<f32>(1.0));
  let l = -(y * log_p + (1.0 - y) * log_q);
  // Outside [0, 1] log is NaN (PyTorch refuses such input); never a quiet clamp to -100.
  return select(l, vec4<f32>(nan()), outside_unit(p));
}

fn outside_unit(p: vec4<f32>) -> vec4<bool> {
  return (p < vec4<f32>(0.0)) | (p > vec4<f32>(1.0));
}

// PyTorch's binary_cross_entropy_backward: (p - y) / max(p (1 - p), 1e-12) (its EPSILON), so
// p = 0 or 1 gives a large finite slope, not the clamped log's zero.
fn pointwise_grad4(p: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let g = (p - y) / max(p * (1.0 - p), vec4<f32>(1e-12));
  return select(g, vec4<f32>(nan()), outside_unit(p) | is_nan4(p) | is_nan4(y));
}
