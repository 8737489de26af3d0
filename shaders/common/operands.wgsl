// @use words
// @needs uniforms: a_offset, a_stride, b_offset, b_stride; bindings: a, b; overrides: A_DTYPE, B_DTYPE, A_KMAJOR, B_KMAJOR
// The two operands of a matrix product A[M, K] · B[K, N], each read from a word array (`a`, `b`:
// array<u32>) of f32 or packed 16-bit values (the dtype enum overrides A_DTYPE, B_DTYPE), at an
// element offset and a row stride (uniforms a_offset, a_stride, b_offset, b_stride). The layout
// overrides say which index is contiguous: A_KMAJOR stores A as [K][M] (a transposed operand),
// B_KMAJOR stores B as [K][N]; otherwise A is [M][K] and B is [N][K] (the classifier's [V, H]
// layout, read as B[k = h, j = v]). One product kernel then serves x·Wᵀ, G·W and Gᵀ·x alike.

fn a_value(i: u32, k: u32) -> f32 {
  let e = params.a_offset + select(i * params.a_stride + k, k * params.a_stride + i, A_KMAJOR);
  return decode_logit(e, a[logit_word_index(e, A_DTYPE)], A_DTYPE);
}

fn b_value(k: u32, j: u32) -> f32 {
  let e = params.b_offset + select(j * params.b_stride + k, k * params.b_stride + j, B_KMAJOR);
  return decode_logit(e, b[logit_word_index(e, B_DTYPE)], B_DTYPE);
}
