// @use elementwise, elementwise4
// The backward of sigmoid given its output y: dx = dy * y * (1 - y); `main` per element, `main4` per vec4.

fn element(i: u32) {
  let k = i + params.x_offset;
  let v = y[k];
  dx[k] = dy[k] * v * (1.0 - v);
}

fn element4(k: u32) {
  let v = y4[k];
  dx4[k] = dy4[k] * v * (1.0 - v);
}
