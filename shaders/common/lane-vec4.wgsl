// @use online-softmax
// A lane's online state over its vec4s of a row (classes % 4 == 0, class dim last): the online
// update per vec4 (one rescale per new max, four exps), or with TWO_PASS a branch-free max pass
// then a sum pass. The kernel defines load4(k) (elements 4k..4k+3, after any transform) and the
// overrides ROW_THREADS and TWO_PASS. Covers vec4s [c0/4, c1/4) from base4; inv_t scales (x - m)
// before exp. One exit: SwiftShader runs what follows a possible early return under a mask.
fn lane_state_vec4(base4: u32, lane: u32, c0: u32, c1: u32, inv_t: f32) -> Online {
  let k0 = c0 / 4u;
  let n4 = c1 / 4u;
  var acc = online_empty();
  if (TWO_PASS) {
    var m4 = vec4<f32>(neg_inf());
    var poisoned = false;
    for (var k = k0 + lane; k < n4; k += ROW_THREADS) {
      let v = load4(base4 + k);
      m4 = max(m4, v);
      poisoned = poisoned || poisons4(v);
    }
    let m = max4(m4);
    // Nothing to sum when poisoned (the row is NaN) or fully masked (s = 0).
    var s = 0.0;
    if (!poisoned && m != neg_inf()) {
      var s4 = vec4<f32>(0.0);
      for (var k = k0 + lane; k < n4; k += ROW_THREADS) {
        s4 += exp((load4(base4 + k) - m) * inv_t);
      }
      s = sum4(s4);
    }
    acc = Online(m, select(s, nan(), poisoned));
  } else {
    for (var k = k0 + lane; k < n4; k += ROW_THREADS) {
      let v = load4(base4 + k);
      if (poisons4(v)) {
        acc.s = nan();
      }
      let vm = max4(v);
      if (vm > acc.m) {
        acc.s = rescale(acc.s, acc.m, vm, inv_t);
        acc.m = vm;
      }
      if (acc.m != neg_inf()) {
        acc.s += sum4(exp((v - acc.m) * inv_t));
      }
    }
  }
  return acc;
}
