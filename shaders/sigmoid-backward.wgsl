// @use elementwise
// The backward of sigmoid given its output y: dx = dy * y * (1 - y).

fn element(i: u32) {
  let k = i + params.x_offset;
  let v = y[k];
  dx[k] = dy[k] * v * (1.0 - v);
}
