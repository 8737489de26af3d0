// Tensors of f32 (one per u32 word) or packed 16-bit values (two per word, low half first): f16
// unpacked by unpack2x16float (no shader-f16 feature needed), bf16 as the high half of an f32.
// Selects only, no early returns (SwiftShader runs what follows a possible early return under a
// mask). Shared by the logits' readers (logits.wgsl) and the matmul operands (operands.wgsl).
// `dtype` is a dtype enum override's value: its index in kLogitDTypeValues (src/dtype.ts).
const WORDS_F32 = 0u;
const WORDS_F16 = 1u;

fn decode_logit(words_i: u32, word: u32, dtype: u32) -> f32 {
  var v = bitcast<f32>(word);
  if (dtype != WORDS_F32) {
    let half_bits = select(word & 0xffffu, word >> 16u, (words_i & 1u) == 1u);
    v = select(bitcast<f32>(half_bits << 16u), unpack2x16float(half_bits).x, dtype == WORDS_F16);
  }
  return v;
}

// Four packed 16-bit logits (elements 4k..4k+3 = words 2k, 2k+1) as f32s.
fn decode4(w0: u32, w1: u32, dtype: u32) -> vec4<f32> {
  let bf16 = vec4<f32>(bitcast<f32>(w0 << 16u), bitcast<f32>(w0 & 0xffff0000u), bitcast<f32>(w1 << 16u), bitcast<f32>(w1 & 0xffff0000u));
  return select(bf16, vec4<f32>(unpack2x16float(w0), unpack2x16float(w1)), dtype == WORDS_F16);
}

// The u32 word that holds element i.
fn logit_word_index(i: u32, dtype: u32) -> u32 {
  return select(i >> 1u, i, dtype == WORDS_F32);
}
