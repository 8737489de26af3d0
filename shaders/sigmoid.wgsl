// @use elementwise
// Elementwise logistic sigmoid in the stable form: never exp of a large positive number.

fn sigmoid(v: f32) -> f32 {
  if (v >= 0.0) {
    return 1.0 / (1.0 + exp(-v));
  }
  let e = exp(v);
  return e / (1.0 + e);
}

fn element(i: u32) {
  y[i + params.x_offset] = sigmoid(x[i + params.x_offset]);
}
