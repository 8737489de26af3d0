// @use numbers, class-target, softcap, class-weight
// @needs uniforms: rows, classes, row_offset, class_offset, ignore_index, softcap; bindings: targets, bias; overrides: HAS_BIAS, SOFTCAP
// What linearCrossEntropy's tile kernels share: a row's target class, and a logit
// from its tile product: z = softcap(acc + bias[v]). Rows are local to the bound row chunk
// (global row = row_offset + row); classes local to the bound V slab (global class =
// class_offset + jl; the bias and class weights are bound whole).

// The class index of local row `row`, or NO_POSITION when it is ignored, bad or past the chunk.
fn row_class(row: u32) -> u32 {
  var t = NO_POSITION;
  if (row < params.rows) {
    let ct = class_target(targets[params.row_offset + row], params.ignore_index, params.classes);
    t = select(ct.index, NO_POSITION, ct.ignored || ct.bad);
  }
  return t;
}

fn linear_logit(acc: f32, jl: u32) -> f32 {
  var z = acc;
  if (HAS_BIAS) {
    z += bias[params.class_offset + jl];
  }
  if (SOFTCAP) {
    z = soft_cap(z, params.softcap);
  }
  return z;
}
