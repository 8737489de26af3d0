// @use logits, logits-vec4, rows, merge-lanes, lane-vec4, class-target, class-weight, online-softmax, ordered-sums, kahan
// evaluate / evaluator.add (src/ops/evaluate.ts): one pass over each row gives its cross-entropy,
// the target's rank (classes above it, and equal ones before it: a stable descending sort), the
// top-1 probability (1 / Σ exp(x − max)) and the argmax. Entry `main` (a row kernel, sliced like
// the logits) writes each row's (w_t·ℓ, w_t) to `stats` and counts the rest with integer atomics
// (the same every run): first in workgroup memory, then one global add per nonzero word into the
// accumulator `acc`; `accumulate` (one workgroup) sums `stats` in a fixed order and adds the sums
// to acc's compensated totals, and keeps the first bad label of the evaluator's batches.
// acc (u32 words): [0, 4) loss sum, its compensation, weight sum, its compensation (f32 bits);
// 4 the batch's first bad position (reset per batch); 5, 6, 7 the first failing batch, position,
// label; from COUNTS: rows, NaN rows, correct, hits[8], per bin count, correct, Σ confidence
// (u64 fixed point, 2³² = 1: lo, hi pairs); then the [C, C] confusion counts.

const NONE = 0xffffffffu;
const BAD_POS = 4u;
const FIRST_BATCH = 5u;
const FIRST_POS = 6u;
const FIRST_LABEL = 7u;
const COUNTS = 8u;
const ROWS = 0u;
const NAN_ROWS = 1u;
const CORRECT = 2u;
const HITS = 3u;
const BINS = 11u;

var<workgroup> wg_counts: array<atomic<u32>, COUNT_WORDS>;

fn load4(k: u32) -> vec4<f32> {
  return x4_at(k);
}

// A lane state: (max, Σ exp(x − max), rank count, first index of the max) as a vec4 (the last two as
// u32 bits): merged online, the counts added, the first index of the larger max kept.
fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let o = online_merge(Online(a.x, a.y), Online(b.x, b.y), 1.0);
  let ai = bitcast<u32>(a.w);
  let bi = bitcast<u32>(b.w);
  let first = select(select(min(ai, bi), ai, a.x > b.x), bi, b.x > a.x);
  return vec4<f32>(o.m, o.s, bitcast<f32>(bitcast<u32>(a.z) + bitcast<u32>(b.z)), bitcast<f32>(first));
}

fn lane_result(acc: Online, rank: u32, first: u32) -> vec4<f32> {
  return vec4<f32>(acc.m, acc.s, bitcast<f32>(rank), bitcast<f32>(first));
}

// Of four classes c with values v: how many beat the target (above x_t, or equal and before t).
fn beats4(v: vec4<f32>, c: vec4<u32>, xt: f32, t: u32) -> vec4<bool> {
  return (v > vec4<f32>(xt)) | ((v == vec4<f32>(xt)) & (c < vec4<u32>(t)));
}

fn count4(b: vec4<bool>) -> u32 {
  return dot(select(vec4<u32>(0u), vec4<u32>(1u), b), vec4<u32>(1u));
}

// The first of four classes c whose value is m (NONE if none).
fn first_of4(v: vec4<f32>, c: vec4<u32>, m: f32) -> u32 {
  let at = select(vec4<u32>(NONE), c, v == vec4<f32>(m));
  return min(min(at.x, at.y), min(at.z, at.w));
}

// One read of a lane's classes: the online softmax, the target's rank count and the first index of
// the lane's max (for the confusion matrix), four classes at a time where the rows allow it.
fn lane_state(base: u32, lane: u32, xt: f32, t: u32) -> vec4<f32> {
  var acc = Online(lowest_max(), 0.0);
  var rank = 0u;
  var first = NONE;
  if (VEC4) {
    let base4 = base / 4u;
    let n4 = params.classes / 4u;
    var k = lane;
    // Four vec4s a block, one rescale of the sum (as lane_state_vec4: 17 exps per 16 classes, not 20).
    if (ROW_THREADS > 1u && DTYPE == DTYPE_F32) {
      for (; k + 3u * ROW_THREADS < n4; k += 4u * ROW_THREADS) {
        let v0 = load4(base4 + k);
        let v1 = load4(base4 + k + ROW_THREADS);
        let v2 = load4(base4 + k + 2u * ROW_THREADS);
        let v3 = load4(base4 + k + 3u * ROW_THREADS);
        let c0 = vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u);
        let c1 = c0 + vec4<u32>(4u * ROW_THREADS);
        let c2 = c1 + vec4<u32>(4u * ROW_THREADS);
        let c3 = c2 + vec4<u32>(4u * ROW_THREADS);
        rank += count4(beats4(v0, c0, xt, t)) + count4(beats4(v1, c1, xt, t)) + count4(beats4(v2, c2, xt, t)) + count4(beats4(v3, c3, xt, t));
        var sum = acc.s;
        if (poisons4(v0) || poisons4(v1) || poisons4(v2) || poisons4(v3)) {
          sum = nan();
        }
        let m = max(acc.m, max4(max(max(v0, v1), max(v2, v3))));
        if (CONFUSION && m > acc.m) {
          first = min(min(first_of4(v0, c0, m), first_of4(v1, c1, m)), min(first_of4(v2, c2, m), first_of4(v3, c3, m)));
        }
        let e = (exp(v0 - m) + exp(v1 - m)) + (exp(v2 - m) + exp(v3 - m));
        acc = Online(m, rebased(sum, acc.m, m, 1.0) + sum4(e));
      }
    }
    for (; k < n4; k += ROW_THREADS) {
      let v = load4(base4 + k);
      let c = vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u);
      rank += count4(beats4(v, c, xt, t));
      let next = online_add4(acc, v, 1.0);
      if (CONFUSION && next.m > acc.m) {
        first = first_of4(v, c, next.m);
      }
      acc = next;
    }
  } else if (SPAN4) {
    // The vec4s spanning the row's elements [base, base + classes): the neighbours' lanes masked.
    let e0 = base;
    let e1 = base + params.classes;
    for (var k = e0 / 4u + lane; k < (e1 + 3u) / 4u; k += ROW_THREADS) {
      let inside = span4_inside(k, e0, e1);
      let v = select(vec4<f32>(neg_inf()), load4(k), inside);
      let c = vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u) - vec4<u32>(e0);
      rank += count4(beats4(v, c, xt, t) & inside);
      let next = online_add4(acc, v, 1.0);
      if (CONFUSION && next.m > acc.m) {
        first = first_of4(v, c, next.m);
      }
      acc = next;
    }
  } else {
    let classes = params.classes;
    let stride = params.inner;
    if (TWO_PASS) {
      // CPU-emulated adapters: a branch-free max pass (with the counts), then the sums.
      var m = neg_inf();
      var poisoned = false;
      for (var c = lane; c < classes; c += ROW_THREADS) {
        let v = x_at(base + c * stride);
        poisoned = poisoned || is_nan(v) || v == pos_inf();
        first = select(first, c, v > m);
        m = max(m, v);
        rank += select(0u, 1u, v > xt || (v == xt && c < t));
      }
      var sum = 0.0;
      if (m != neg_inf()) {
        for (var c = lane; c < classes; c += ROW_THREADS) {
          sum += exp(x_at(base + c * stride) - m);
        }
      }
      acc = Online(m, select(sum, nan(), poisoned));
    } else {
      acc = online_empty();
      for (var c = lane; c < classes; c += ROW_THREADS) {
        let v = x_at(base + c * stride);
        rank += select(0u, 1u, v > xt || (v == xt && c < t));
        first = select(first, c, v > acc.m);
        acc = online_add(acc, v, 1.0);
      }
    }
  }
  return lane_result(acc, rank, first);
}

fn k_at(j: u32) -> u32 {
  var k = 0u;
  switch (j) {
    case 0u: { k = params.k0; }
    case 1u: { k = params.k1; }
    case 2u: { k = params.k2; }
    case 3u: { k = params.k3; }
    case 4u: { k = params.k4; }
    case 5u: { k = params.k5; }
    case 6u: { k = params.k6; }
    default: { k = params.k7; }
  }
  return k;
}

// Word i of the counts is the low word of a bin's Σ confidence (whose carry goes to word i + 1).
fn is_confidence_low(i: u32) -> bool {
  let first = BINS + 2u * CAL_BINS;
  return i >= first && ((i - first) & 1u) == 0u;
}

// Adds v to count word i of the workgroup's counts (u64 pairs carry into their high word).
fn count_add(i: u32, v: u32) {
  let old = atomicAdd(&wg_counts[i], v);
  if (is_confidence_low(i) && old + v < old) {
    atomicAdd(&wg_counts[i + 1u], 1u);
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  // The row within the batch (slices of rows start at row_offset).
  let row = params.row_offset + slot.row;
  let base = row_base(slot.row, params.classes, params.inner) + params.x_offset;
  var valid = false;
  var bad = false;
  var t = 0u;
  var xt = 0.0;
  if (slot.in_range) {
    let ct = class_target(targets[row], params.ignore_index, params.classes);
    bad = ct.bad;
    valid = !ct.ignored && !ct.bad;
    t = select(0u, ct.index, valid);
    if (valid) {
      xt = x_at(base + t * params.inner);
    }
  }
  var no_index = NONE;
  var st = vec4<f32>(neg_inf(), 0.0, 0.0, bitcast<f32>(no_index));
  if (valid) {
    st = lane_state(base, slot.lane, xt, t);
  }
  if (ROW_THREADS > 1u) {
    st = merge_lanes(st, lid, slot.lane);
  }
  let ranked = bitcast<vec2<u32>>(st.zw);
  if (slot.in_range && slot.lane == 0u) {
    var loss = 0.0;
    var w = 0.0;
    if (bad) {
      atomicMin(&acc[BAD_POS], row);
      loss = nan();
    }
    if (valid) {
      w = class_weight(t);
      // A row of NaN, +inf or only −inf is NaN, as PyTorch's loss; it counts, as a miss.
      let undefined_row = online_undefined(Online(st.x, st.y));
      loss = select(w * (st.x + log(st.y) - xt), nan(), undefined_row);
      count_add(ROWS, 1u);
      if (undefined_row) {
        count_add(NAN_ROWS, 1u);
      } else {
        let rank = ranked.x;
        let predicted = ranked.y;
        let correct = select(0u, 1u, rank == 0u);
        count_add(CORRECT, correct);
        for (var j = 0u; j < params.n_k; j++) {
          if (rank < k_at(j)) {
            count_add(HITS + j, 1u);
          }
        }
        // The top-1 probability, bucketed as torchmetrics: bin b holds (b/B, (b+1)/B].
        let confidence = 1.0 / st.y;
        let bin = u32(clamp(ceil(confidence * f32(CAL_BINS)) - 1.0, 0.0, f32(CAL_BINS - 1u)));
        count_add(BINS + bin, 1u);
        count_add(BINS + CAL_BINS + bin, correct);
        let whole = floor(confidence);
        let low = BINS + 2u * CAL_BINS + 2u * bin;
        count_add(low, u32((confidence - whole) * 4294967296.0));
        count_add(low + 1u, u32(whole));
        if (CONFUSION) {
          atomicAdd(&acc[COUNTS + COUNT_WORDS + t * params.classes + predicted], 1u);
        }
      }
    }
    stats[params.stats_offset + 2u * slot.row] = loss;
    stats[params.stats_offset + 2u * slot.row + 1u] = w;
  }
  workgroupBarrier();
  let words = BINS + 4u * CAL_BINS;
  for (var i = lid; i < words; i += WG) {
    let v = atomicLoad(&wg_counts[i]);
    if (v != 0u) {
      let old = atomicAdd(&acc[COUNTS + i], v);
      if (is_confidence_low(i) && old + v < old) {
        atomicAdd(&acc[COUNTS + i + 1u], 1u);
      }
    }
  }
}

fn sum_pair(i: u32) -> vec2<f32> {
  return vec2<f32>(stats[2u * i], stats[2u * i + 1u]);
}

fn add_compensated(word: u32, v: f32) {
  let k = kahan_add(Kahan(bitcast<f32>(atomicLoad(&acc[word])), bitcast<f32>(atomicLoad(&acc[word + 1u]))), v);
  atomicStore(&acc[word], bitcast<u32>(k.sum));
  atomicStore(&acc[word + 1u], bitcast<u32>(k.comp));
}

// One workgroup, after every slice of `main`: this batch's sums into the totals.
@compute @workgroup_size(WG)
fn accumulate(@builtin(local_invocation_index) lid: u32) {
  let s = ordered_sums(lid, params.total_rows);
  if (lid == 0u) {
    add_compensated(0u, s.x);
    add_compensated(2u, s.y);
    let pos = atomicLoad(&acc[BAD_POS]);
    if (pos != NONE) {
      if (atomicLoad(&acc[FIRST_BATCH]) == NONE) {
        atomicStore(&acc[FIRST_BATCH], params.batch);
        atomicStore(&acc[FIRST_POS], pos);
        atomicStore(&acc[FIRST_LABEL], targets[pos]);
      }
      atomicStore(&acc[BAD_POS], NONE);
    }
  }
}
