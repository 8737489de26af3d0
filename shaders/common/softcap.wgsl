// @use numbers
// Gemma 2's logit soft-capping, z = cap * tanh(x / cap), and its slope dz/dx = 1 - (z / cap)^2.
// WGSL's tanh loses relative precision at small arguments on some GPUs (SwiftShader: a cap of 1e8
// over logits of 5 gave a uniform softmax; 1e4 was off by 1e-3) and overflows to NaN at large ones
// (beyond about 44), so neither end uses it: below |u| = 1/8, z = x * (tanh(u) / u) by its odd
// series (exact to f32 rounding, and z = x exactly once u² underflows: caps up to 3e38 give back the
// logits); above, (1 - e^(-2|u|)) / (1 + e^(-2|u|)) with the argument clamped at 10, where tanh is
// ±1 in f32 (-inf masks stay masked as -cap). NaN passes through.

// tanh(u) / u for |u| < 1/8: 1 - u²/3 + 2u⁴/15 - 17u⁶/315 + 62u⁸/2835 (the next term is below 1e-12).
fn tanh_ratio_series(u2: f32) -> f32 {
  return 1.0 + u2 * (-1.0 / 3.0 + u2 * (2.0 / 15.0 + u2 * (-17.0 / 315.0 + u2 * (62.0 / 2835.0))));
}

fn tanh_far(u: f32) -> f32 {
  let e = exp(-2.0 * min(abs(u), 10.0));
  return sign(u) * (1.0 - e) / (1.0 + e);
}

fn soft_cap(v: f32, cap: f32) -> f32 {
  let u = v / cap;
  let z = select(cap * tanh_far(u), v * tanh_ratio_series(u * u), abs(u) < 0.125);
  return select(z, v, is_nan(v));
}

fn soft_cap4(v: vec4<f32>, cap: f32) -> vec4<f32> {
  return vec4<f32>(soft_cap(v.x, cap), soft_cap(v.y, cap), soft_cap(v.z, cap), soft_cap(v.w, cap));
}

// 1 - t² as (1 - t)(1 + t): fewer digits lost where t is near ±1.
fn soft_cap_slope(z: f32, cap: f32) -> f32 {
  let u = z / cap;
  return (1.0 - u) * (1.0 + u);
}

fn soft_cap_slope4(z: vec4<f32>, cap: f32) -> vec4<f32> {
  let u = z / cap;
  return (1.0 - u) * (1.0 + u);
}
