// @use elementwise, elementwise4, log-math
// Elementwise logistic sigmoid (log-math's stable form): `main` per element, `main4` per vec4.

fn element(i: u32) {
  y[i + params.x_offset] = sigmoid(x[i + params.x_offset]);
}

fn element4(k: u32) {
  y4[k] = sigmoid4(x4[k]);
}
