// @use numbers, elementwise, elementwise-weights, kahan
// One loss per element, for the elementwise losses (reduced afterwards by reduce-loss.wgsl): the
// kernel defines fn pointwise_loss(x, y, global) -> f32 and fn pointwise_grad(x, y, global) -> f32
// (d pointwise_loss / dx, written with HAS_GRAD). NaN in either input gives a NaN loss (the
// gradient is the kernel's: PyTorch's formulas, some of which do not read x). Weights broadcast
// as PyTorch's through the maps of broadcast_index. The kernel declares the elementwise-loss
// interface (src/ops/elementwise-loss.ts).


// The weighted loss of one element (and its gradient, written with HAS_GRAD).
fn element_loss(local: u32) -> f32 {
  let i = local + params.x_offset;
  let global = local + params.first;
  let v = x[i];
  let t = y[i];
  var l = pointwise_loss(v, t, global);
  if (is_nan(v) || is_nan(t)) {
    l = nan();
  }
  var w = 1.0;
  if (HAS_WEIGHT) {
    w = weight_at(global);
  }
  if (HAS_GRAD) {
    grad[i] = pointwise_grad(v, t, global) * w * params.grad_scale;
  }
  return l * w;
}

// 'none': every element's loss, laid out like x.
fn element(local: u32) {
  loss[local + params.x_offset] = element_loss(local);
}

// 'mean' / 'sum': no per-element loss is stored. Each thread sums its PER_THREAD elements (WG apart,
// in order, compensated) into one partial, loss[params.partial_offset + its global index]; the
// reduction then sums the partials in order. Same bits every run.
@compute @workgroup_size(WG)
fn main_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  var acc = Kahan(0.0, 0.0);
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = start + k * WG;
    if (i < params.size) {
      acc = kahan_add(acc, element_loss(i));
    }
  }
  loss[params.partial_offset + group * WG + lid] = acc.sum;
}
