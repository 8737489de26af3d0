// Elementwise logistic sigmoid in the stable form: never exp of a large positive number.

struct Params {
  groups: u32,
  size: u32,
  // A tensor bound in slices: the slice's first element within the bound ranges of x and y.
  x_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64u;
override PER_THREAD: u32 = 4u;

fn sigmoid(v: f32) -> f32 {
  if (v >= 0.0) {
    return 1.0 / (1.0 + exp(-v));
  }
  let e = exp(v);
  return e / (1.0 + e);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = start + k * WG;
    if (i < params.size) {
      y[i + params.x_offset] = sigmoid(x[i + params.x_offset]);
    }
  }
}
