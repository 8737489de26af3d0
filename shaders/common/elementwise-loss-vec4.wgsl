// @use elementwise-loss-core
// @needs bindings: x, y, loss, grad
// The vec4 build of the elementwise losses (elementwise-loss-core.wgsl): x, y, loss and grad are
// arrays of vec4, so a quad is one load (SwiftShader turns per-lane scalar loads into one load
// each: 2.3× the read floor before a single log). Used for unsliced tensors whose buffers hold
// whole vec4s (params.x_offset and params.first are 0): the last quad's extra lanes are read from
// the buffers' padding and stored into the outputs' padding ('none', grad).

fn load_x4(k: u32) -> vec4<f32> {
  return x[k];
}

fn load_y4(k: u32) -> vec4<f32> {
  return y[k];
}

fn store_loss4(k: u32, l: vec4<f32>, inside: vec4<bool>) {
  loss[k] = l;
}

// Past the last quad (main_sum's spare threads) nothing is stored: an out-of-range store may land
// anywhere in the binding.
fn store_grad4(k: u32, g: vec4<f32>, inside: vec4<bool>) {
  if (inside.x) {
    grad[k] = g;
  }
}

fn store_partial4(index: u32, sum: vec4<f32>) {
  loss[index] = sum;
}
