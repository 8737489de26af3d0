// @use numbers, dispatch, elementwise-weights, kahan
// The vec4 build of elementwise-loss.wgsl (same interface, same pointwise_loss / pointwise_grad of
// the kernel): x, y, loss and grad are arrays of vec4, so a thread loads four elements at once
// (SwiftShader turns per-lane scalar loads into one load each: 2.3× the read floor before a single
// log). Used for unsliced tensors whose buffers hold whole vec4s; thread t takes vec4s t, t + WG, ….
// The last vec4 may run past params.size: its extra lanes are computed from the buffers' padding,
// stored into the outputs' padding ('none', grad) and left out of sums.

fn element_loss4(k: u32) -> vec4<f32> {
  let v = x[k];
  let t = y[k];
  // Unsliced (see above): the element index is the global one (params.first is 0).
  let g = 4u * k;
  var l = vec4<f32>(
    pointwise_loss(v.x, t.x, g),
    pointwise_loss(v.y, t.y, g + 1u),
    pointwise_loss(v.z, t.z, g + 2u),
    pointwise_loss(v.w, t.w, g + 3u),
  );
  l = select(l, vec4<f32>(nan()), is_nan4(v) | is_nan4(t));
  var w = vec4<f32>(1.0);
  if (HAS_WEIGHT) {
    w = vec4<f32>(weight_at(g), weight_at(g + 1u), weight_at(g + 2u), weight_at(g + 3u));
  }
  // Past the last vec4 (main_sum's spare threads) nothing is stored: an out-of-range store may land
  // anywhere in the binding.
  if (HAS_GRAD && 4u * k < params.size) {
    let d = vec4<f32>(
      pointwise_grad(v.x, t.x, g),
      pointwise_grad(v.y, t.y, g + 1u),
      pointwise_grad(v.z, t.z, g + 2u),
      pointwise_grad(v.w, t.w, g + 3u),
    );
    grad[k] = d * w * params.grad_scale;
  }
  return l * w;
}

// 'none': every element's loss, laid out like x.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  for (var j = 0u; j < PER_THREAD; j++) {
    let k = start + j * WG;
    if (4u * k < params.size) {
      loss[k] = element_loss4(k);
    }
  }
}

// 'mean' / 'sum': each thread sums its vec4s per lane (compensated, in order) into one vec4 partial,
// loss[its global index] (one dispatch: unsliced); the reduction sums the partials in order.
// No branch on the size around the loads (a masked sum instead: 10 % faster on SwiftShader); a read
// past the end gives some value of the buffer, which the mask drops.
@compute @workgroup_size(WG)
fn main_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  var acc = Kahan4(vec4<f32>(0.0), vec4<f32>(0.0));
  for (var j = 0u; j < PER_THREAD; j++) {
    let k = start + j * WG;
    let inside = vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.size);
    acc = kahan_add4(acc, select(vec4<f32>(0.0), element_loss4(k), inside));
  }
  loss[group * WG + lid] = acc.sum;
}
