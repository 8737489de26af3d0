// @use numbers, elementwise
// One loss per element, for the elementwise losses (reduced afterwards by reduce-loss.wgsl): the
// kernel defines fn pointwise_loss(x, y, global) -> f32; NaN in either input gives NaN, and the
// weight broadcasts over trailing dims as weight[global % weight_size]. The kernel declares the
// elementwise-loss interface (src/ops/elementwise-loss.ts).

fn element(local: u32) {
  let i = local + params.x_offset;
  let global = local + params.first;
  let v = x[i];
  let t = y[i];
  var l = pointwise_loss(v, t, global);
  if (is_nan(v) || is_nan(t)) {
    l = nan();
  }
  if (HAS_WEIGHT) {
    l *= weight[global % params.weight_size];
  }
  loss[i] = l;
}
