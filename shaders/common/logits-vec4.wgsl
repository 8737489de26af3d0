// @use logits
// @needs bindings: x4; overrides: DTYPE
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

// SPAN4 rows (contiguous, classes % 4 != 0): a row's reading passes load the vec4s that span its
// elements [e0, e1) of the bound range; these are the lanes of vec4 k inside it (the others
// belong to the neighbouring rows).
fn span4_inside(k: u32, e0: u32, e1: u32) -> vec4<bool> {
  let i = vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u);
  return (i >= vec4<u32>(e0)) & (i < vec4<u32>(e1));
}
