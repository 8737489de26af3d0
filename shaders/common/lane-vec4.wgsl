// @use online-softmax, logits-vec4
// @needs overrides: ROW_THREADS, DTYPE; functions: load4
// A lane's online state over its vec4s of a row (classes % 4 == 0, class dim last). The kernel
// defines load4(k) (elements 4k..4k+3, after any transform) and the override ROW_THREADS. Covers
// vec4s [c0/4, c1/4) from base4; inv_t scales (x - m) before exp. One pass on every adapter: on
// SwiftShader (Chromium, Subzero) it beat a max pass then a sum pass by 1.2–1.7× for
// cross-entropy (one load per element instead of two). Scalar lanes keep TWO_PASS there.
//
// The update is branch-free, four vec4s (16 elements) at a time: the new max of the block, the old
// sum rescaled by one exp, sixteen exps. SwiftShader runs both sides of a divergent `if` under a
// mask, so a per-vec4 "new max?" branch cost its exp on every vec4 anyway (5 exps per 4 elements);
// here it is 17 per 16 (Chromium, SwiftShader: crossEntropy 1.55 → 1.41× its read+exp floor on
// [1024, 1000], 1.26 → 1.00× on [64, 32000], 1.51 → 1.32× on [4, 128256]; eight vec4s a block
// spill registers and were slower). The state starts from lowest_max() (online-softmax.wgsl).

fn lane_state_vec4(base4: u32, lane: u32, c0: u32, c1: u32, inv_t: f32) -> Online {
  let n4 = c1 / 4u;
  var acc = Online(lowest_max(), 0.0);
  var k = c0 / 4u + lane;
  // Blocks where lanes share a row, of f32: with a thread a row (ROW_THREADS == 1: a SIMD vector's
  // lanes on four rows) they were slower (Chromium: crossEntropy [4096, 12] 0.52 → 0.82 ms,
  // [2048, 64] 0.58 → 0.82 ms), and for 16-bit rows, sixteen values unpacked at once (f16
  // crossEntropy [1024, 1000] / [64, 32000] / [4, 128256]: 3.00 / 4.89 / 1.47 → 3.60 / 5.83 /
  // 1.74 ms).
  if (ROW_THREADS > 1u && DTYPE == DTYPE_F32) {
    for (; k + 3u * ROW_THREADS < n4; k += 4u * ROW_THREADS) {
      let v0 = load4(base4 + k);
      let v1 = load4(base4 + k + ROW_THREADS);
      let v2 = load4(base4 + k + 2u * ROW_THREADS);
      let v3 = load4(base4 + k + 3u * ROW_THREADS);
      var s = acc.s;
      if (poisons4(v0) || poisons4(v1) || poisons4(v2) || poisons4(v3)) {
        s = nan();
      }
      let m = max(acc.m, max4(max(max(v0, v1), max(v2, v3))));
      let e = (exp((v0 - m) * inv_t) + exp((v1 - m) * inv_t)) + (exp((v2 - m) * inv_t) + exp((v3 - m) * inv_t));
      acc = Online(m, rebased(s, acc.m, m, inv_t) + sum4(e));
    }
  }
  for (; k < n4; k += ROW_THREADS) {
    acc = online_add4(acc, load4(base4 + k), inv_t);
  }
  return acc;
}

// The same over elements [e0, e1) of the bound range for SPAN4 rows (contiguous, classes % 4 != 0):
// the vec4s spanning them, the neighbouring rows' elements masked to -inf (they add exactly 0). Ten
// classes: 3 or 4 loads a row instead of 10 per-lane scalar ones.
fn lane_state_span4(e0: u32, e1: u32, lane: u32, inv_t: f32) -> Online {
  let k1 = (e1 + 3u) / 4u;
  var acc = Online(lowest_max(), 0.0);
  for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
    acc = online_add4(acc, select(vec4<f32>(neg_inf()), load4(k), span4_inside(k, e0, e1)), inv_t);
  }
  return acc;
}

// One branch-free update by four elements (a state from lowest_max): a NaN or +inf poisons s.
fn online_add4(a: Online, v: vec4<f32>, inv_t: f32) -> Online {
  var s = a.s;
  if (poisons4(v)) {
    s = nan();
  }
  let m = max(a.m, max4(v));
  return Online(m, rebased(s, a.m, m, inv_t) + sum4(exp((v - m) * inv_t)));
}
