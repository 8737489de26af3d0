// @needs bindings: weight; overrides: HAS_WEIGHT
// Per-class weights of the cross-entropy kernels: the `weight` binding (array<f32>, one per class)
// when the HAS_WEIGHT override is set, else 1.

fn class_weight(c: u32) -> f32 {
  var w = 1.0;
  if (HAS_WEIGHT) {
    w = weight[c];
  }
  return w;
}
