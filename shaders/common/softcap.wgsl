// @use numbers
// Gemma 2's logit soft-capping, z = cap * tanh(x / cap), and its slope dz/dx = 1 - (z / cap)^2.
// WGSL's tanh overflows to NaN for large |x / cap| on some GPUs (SwiftShader: beyond about 44),
// and -inf masks are exactly that case; tanh(±10) is already ±1 in f32, so the argument is
// clamped there (NaN passes through unclamped).

fn soft_cap(v: f32, cap: f32) -> f32 {
  return select(cap * tanh(clamp(v / cap, -10.0, 10.0)), v, is_nan(v));
}

fn soft_cap4(v: vec4<f32>, cap: f32) -> vec4<f32> {
  return select(cap * tanh(clamp(v / cap, vec4<f32>(-10.0), vec4<f32>(10.0))), v, is_nan4(v));
}

fn soft_cap_slope(z: f32, cap: f32) -> f32 {
  let u = z / cap;
  return 1.0 - u * u;
}

fn soft_cap_slope4(z: vec4<f32>, cap: f32) -> vec4<f32> {
  let u = z / cap;
  return 1.0 - u * u;
}
