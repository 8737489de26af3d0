// @use online-softmax, logits-vec4
// A lane's online state over its vec4s of a row (classes % 4 == 0, class dim last): the online
// update per vec4 (one rescale per new max, four exps). The kernel defines load4(k) (elements
// 4k..4k+3, after any transform) and the override ROW_THREADS. Covers vec4s [c0/4, c1/4) from
// base4; inv_t scales (x - m) before exp. One exit: SwiftShader runs what follows a possible early
// return under a mask. One pass on every adapter: on SwiftShader (Chromium, Subzero) it beat a
// max pass then a sum pass by 1.2–1.7× for cross-entropy (one load per element instead of two;
// the rare new-max branch is skipped when no lane takes it). Scalar lanes keep TWO_PASS there.
fn lane_state_vec4(base4: u32, lane: u32, c0: u32, c1: u32, inv_t: f32) -> Online {
  let k0 = c0 / 4u;
  let n4 = c1 / 4u;
  var acc = online_empty();
  for (var k = k0 + lane; k < n4; k += ROW_THREADS) {
    acc = online_add4(acc, load4(base4 + k), inv_t);
  }
  return acc;
}

// The same over elements [e0, e1) of the bound range for SPAN4 rows (contiguous, classes % 4 != 0):
// the vec4s spanning them, the neighbouring rows' elements masked to -inf (they add exactly 0). Ten
// classes: 3 or 4 loads a row instead of 10 per-lane scalar ones.
fn lane_state_span4(e0: u32, e1: u32, lane: u32, inv_t: f32) -> Online {
  let k1 = (e1 + 3u) / 4u;
  var acc = online_empty();
  for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
    acc = online_add4(acc, select(vec4<f32>(neg_inf()), load4(k), span4_inside(k, e0, e1)), inv_t);
  }
  return acc;
}

// One online update by four elements: a NaN or +inf poisons s; one rescale per new max of the
// four, four exps.
fn online_add4(a: Online, v: vec4<f32>, inv_t: f32) -> Online {
  var acc = a;
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
  return acc;
}
