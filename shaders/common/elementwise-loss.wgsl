// @use elementwise-loss-core
// @needs uniforms: x_offset, partial_offset; bindings: x, y, loss, grad
// The scalar build of the elementwise losses (elementwise-loss-core.wgsl): four scalar loads and
// stores per quad, at any offset, so it serves tensors bound in slices and wrapped buffers that
// end mid-vec4. Stores past params.size are masked: in a slice they would land on the next one's
// elements.

fn load_x4(k: u32) -> vec4<f32> {
  let i = 4u * k + params.x_offset;
  return vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);
}

fn load_y4(k: u32) -> vec4<f32> {
  let i = 4u * k + params.x_offset;
  return vec4<f32>(y[i], y[i + 1u], y[i + 2u], y[i + 3u]);
}

fn store_loss4(k: u32, l: vec4<f32>, inside: vec4<bool>) {
  let i = 4u * k + params.x_offset;
  for (var j = 0u; j < 4u; j++) {
    if (inside[j]) {
      loss[i + j] = l[j];
    }
  }
}

fn store_grad4(k: u32, g: vec4<f32>, inside: vec4<bool>) {
  let i = 4u * k + params.x_offset;
  for (var j = 0u; j < 4u; j++) {
    if (inside[j]) {
      grad[i + j] = g[j];
    }
  }
}

// Partials of several slices share `loss`: this dispatch's start at params.partial_offset.
fn store_partial4(index: u32, sum: vec4<f32>) {
  let o = params.partial_offset + 4u * index;
  for (var j = 0u; j < 4u; j++) {
    loss[o + j] = sum[j];
  }
}
