// @use numbers
// Logarithms WGSL lacks or gets wrong on some GPUs.

// log(1 + u) for u in [0, 1], accurate when u is tiny (WGSL has no log1p).
fn log1p_small4(u: vec4<f32>) -> vec4<f32> {
  return select(log(1.0 + u), u * (1.0 - u * (0.5 - u / 3.0)), u < vec4<f32>(1e-4));
}

// log with log(0) = -inf: SwiftShader's log(0) is about -88 (the log of its smallest normal).
fn log_exact_zero(v: f32) -> f32 {
  if (v == 0.0) {
    return neg_inf();
  }
  return log(v);
}

// softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)), finite for every finite x.
fn softplus_neg4(v: vec4<f32>) -> vec4<f32> {
  return max(-v, vec4<f32>(0.0)) + log1p_small4(exp(-abs(v)));
}

// The logistic sigmoid in the stable form: never exp of a large positive number.
fn sigmoid(v: f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

fn sigmoid4(v: vec4<f32>) -> vec4<f32> {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= vec4<f32>(0.0));
}
