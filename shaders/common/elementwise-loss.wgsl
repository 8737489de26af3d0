// @use numbers, elementwise
// One loss per element, for the elementwise losses (reduced afterwards by reduce-loss.wgsl): the
// kernel defines fn pointwise_loss(x, y, global) -> f32 and fn pointwise_grad(x, y, global) -> f32
// (d pointwise_loss / dx, written with HAS_GRAD). NaN in either input gives a NaN loss (the
// gradient is the kernel's: PyTorch's formulas, some of which do not read x). Weights broadcast
// as PyTorch's through the maps of broadcast_index. The kernel declares the elementwise-loss
// interface (src/ops/elementwise-loss.ts).

// Index into a broadcast weight: two blocks of kept dims, ((global / div) % mod) * mul each.
fn broadcast_index(global: u32, div0: u32, mod0: u32, mul0: u32, div1: u32, mod1: u32, mul1: u32) -> u32 {
  return ((global / div0) % mod0) * mul0 + ((global / div1) % mod1) * mul1;
}

fn pos_weight_at(global: u32) -> f32 {
  let p = params;
  return pos_weight[broadcast_index(global, p.pw_div0, p.pw_mod0, p.pw_mul0, p.pw_div1, p.pw_mod1, p.pw_mul1)];
}

fn element(local: u32) {
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
    let p = params;
    w = weight[broadcast_index(global, p.w_div0, p.w_mod0, p.w_mul0, p.w_div1, p.w_mod1, p.w_mul1)];
  }
  loss[i] = l * w;
  if (HAS_GRAD) {
    grad[i] = pointwise_grad(v, t, global) * w * params.grad_scale;
  }
}
