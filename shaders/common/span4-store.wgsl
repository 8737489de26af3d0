// @needs bindings: out4
// Stores for SPAN4 rows (contiguous, classes % 4 != 0, unsliced: the output's vec4 index is the
// input's). The kernel declares its vec4 output `out4: array<vec4<f32>>`.

// Vec4 k of a row's output: whole where every lane is the row's (span4_inside), else lane by lane;
// the other lanes belong to the neighbouring rows, whose threads store them.
fn store_span4(k: u32, v: vec4<f32>, inside: vec4<bool>) {
  if (all(inside)) {
    out4[k] = v;
  } else {
    for (var j = 0u; j < 4u; j++) {
      if (inside[j]) {
        out4[k][j] = v[j];
      }
    }
  }
}
