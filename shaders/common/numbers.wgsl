// Non-finite values and their tests. WGSL forbids infinite constant expressions, so they come
// through a var; tests go by bits: SwiftShader's exp/log do not propagate NaN, and a compiler may
// fold v != v away.

// A "no position" marker (first bad label, unset status).
const NO_POSITION = 0xffffffffu;

fn neg_inf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

fn pos_inf() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

fn nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn is_nan4(v: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
}

// A NaN or +inf among four values (either poisons a softmax row).
fn poisons4(v: vec4<f32>) -> bool {
  return any(is_nan4(v)) || any(v == vec4<f32>(pos_inf()));
}

fn max4(v: vec4<f32>) -> f32 {
  return max(max(v.x, v.y), max(v.z, v.w));
}

fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
