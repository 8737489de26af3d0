// @use logits
// Four logits at once for VEC4 rows: f32 rows through the kernel's `x4: array<vec4<f32>>` view of
// the logits, 16-bit rows through the packed words (logits.wgsl).
fn x4_at(k: u32) -> vec4<f32> {
  var v: vec4<f32>;
  if (DTYPE == DTYPE_F32) {
    v = x4[k];
  } else {
    v = x4_half(k);
  }
  return v;
}
