// @use elementwise, log-math
// Elementwise logistic sigmoid (log-math's stable form).

fn element(i: u32) {
  y[i + params.x_offset] = sigmoid(x[i + params.x_offset]);
}
