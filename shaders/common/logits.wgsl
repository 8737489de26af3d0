// @use numbers, words
// @needs bindings: xw; overrides: DTYPE
// Logits as the kernels read them: f32 (one per u32 word) or packed 16-bit (two per word, low
// half first): f16 unpacked by unpack2x16float (no shader-f16 feature needed), bf16 as the high
// half of an f32. A kernel using this declares the binding `xw: array<u32>` and the enum
// override DTYPE (f32, f16, bf16). The decoders run per element: selects, no early returns
// (SwiftShader runs what follows a possible early return under a mask).

// Element i of the logits, as f32.
fn x_at(i: u32) -> f32 {
  return decode_logit(i, xw[logit_word_index(i, DTYPE)], DTYPE);
}

// Elements 4k..4k+3 of 16-bit logits (f32 rows read their vec4 view instead).
fn x4_half(k: u32) -> vec4<f32> {
  return decode4(xw[2u * k], xw[2u * k + 1u], DTYPE);
}
