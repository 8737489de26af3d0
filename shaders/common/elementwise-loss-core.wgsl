// @use numbers, dispatch, elementwise4, elementwise-weights, kahan
// @needs uniforms: size, first, grad_scale; overrides: WG, PER_THREAD, HAS_WEIGHT, HAS_GRAD; functions: pointwise_loss4, pointwise_grad4, load_x4, load_y4, store_loss4, store_grad4, store_partial4
// The elementwise losses' passes, shared by both builds, four elements at a time: quad k is
// elements 4k..4k+3 of the bound slice (counted from its start; the last quad may run past
// params.size: its extra lanes are computed from whatever the loads return, never stored, and left
// out of sums). The kernel defines its loss once, on four consecutive elements:
//   fn pointwise_loss4(x, y, global) -> vec4<f32>, fn pointwise_grad4(x, y, global) -> vec4<f32>
// (global: the first one's index among all elements, for broadcast weights; the gradient is
// d loss / dx, written with HAS_GRAD). NaN in either input gives a NaN loss (the gradient is the
// kernel's: PyTorch's formulas, some of which do not read x). The build module defines the memory
// side: fn load_x4(k), fn load_y4(k), fn store_loss4(k, l, inside), fn store_grad4(k, g, inside)
// and fn store_partial4(index, sum) — elementwise-loss.wgsl (scalar loads, any slice) or
// elementwise-loss-vec4.wgsl (one vec4 load, tensors bound whole).

fn quad_inside(k: u32) -> vec4<bool> {
  return vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.size);
}

// The weighted losses of quad k (and its gradient, stored with HAS_GRAD).
fn quad_loss(k: u32, inside: vec4<bool>) -> vec4<f32> {
  let v = load_x4(k);
  let t = load_y4(k);
  let g = 4u * k + params.first;
  let l = select(pointwise_loss4(v, t, g), vec4<f32>(nan()), is_nan4(v) | is_nan4(t));
  var w = vec4<f32>(1.0);
  if (HAS_WEIGHT) {
    w = vec4<f32>(weight_at(g), weight_at(g + 1u), weight_at(g + 2u), weight_at(g + 3u));
  }
  if (HAS_GRAD) {
    store_grad4(k, pointwise_grad4(v, t, g) * w * params.grad_scale, inside);
  }
  return l * w;
}

// 'none' (entry point main4, elementwise4.wgsl: thread t takes quads t, t + WG, …): every
// element's loss, laid out like x.
fn element4(k: u32) {
  let inside = quad_inside(k);
  store_loss4(k, quad_loss(k, inside), inside);
}

// 'mean' / 'sum': no per-element loss is stored. Each thread sums its PER_THREAD quads per lane
// (compensated, in order) into one vec4 partial, at its global index (store_partial4); the
// reduction then sums the partials in order. Same bits every run. No branch on the size around the
// loads (a masked sum instead: 10 % faster on SwiftShader).
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
    let inside = quad_inside(k);
    acc = kahan_add4(acc, select(vec4<f32>(0.0), quad_loss(k, inside), inside));
  }
  store_partial4(group * WG + lid, acc.sum);
}
