// @use logits, logits-vec4, rows, merge-lanes, lane-scalar, lane-vec4, class-target, class-weight, online-softmax, ordered-sums, kahan
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

fn load1(i: u32) -> f32 {
  return x_at(i);
}

fn load4(k: u32) -> vec4<f32> {
  return x4_at(k);
}

// The lanes merge twice: the online softmax (m, s), then, with m known, (rank, index of m).
var<private> merging_ranks: bool;

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  var out = a;
  if (merging_ranks) {
    let first = min(bitcast<u32>(a.w), bitcast<u32>(b.w));
    out = vec4<f32>(a.xy, bitcast<f32>(bitcast<u32>(a.z) + bitcast<u32>(b.z)), bitcast<f32>(first));
  } else {
    let o = online_merge(Online(a.x, a.y), Online(b.x, b.y), 1.0);
    out = vec4<f32>(o.m, o.s, 0.0, 0.0);
  }
  return out;
}

// A lane's online softmax state over its classes: the vec4 paths cross-entropy takes.
fn lane_online(base: u32, lane: u32) -> Online {
  var acc = online_empty();
  if (VEC4) {
    acc = lane_state_vec4(base / 4u, lane, 0u, params.classes, 1.0);
  } else if (SPAN4) {
    acc = lane_state_span4(base, base + params.classes, lane, 1.0);
  } else {
    acc = lane_state_scalar(base, lane, 0u, params.classes, 1.0);
  }
  return acc;
}

// A lane's share of the target's rank (classes above x_t, and equal ones before t) and, for the
// confusion matrix, the first index of the row's max m: a second, cache-hot read of its classes.
fn lane_rank(base: u32, lane: u32, xt: f32, t: u32, m: f32) -> vec2<u32> {
  var rank = 0u;
  var first = NONE;
  if (VEC4) {
    let base4 = base / 4u;
    let n4 = params.classes / 4u;
    for (var k = lane; k < n4; k += ROW_THREADS) {
      let v = load4(base4 + k);
      let c = vec4<u32>(4u * k) + vec4<u32>(0u, 1u, 2u, 3u);
      let beats = (v > vec4<f32>(xt)) | ((v == vec4<f32>(xt)) & (c < vec4<u32>(t)));
      rank += dot(select(vec4<u32>(0u), vec4<u32>(1u), beats), vec4<u32>(1u));
      if (CONFUSION) {
        let at = select(vec4<u32>(NONE), c, v == vec4<f32>(m));
        first = min(first, min(min(at.x, at.y), min(at.z, at.w)));
      }
    }
  } else {
    let classes = params.classes;
    let stride = params.inner;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      let v = x_at(base + c * stride);
      rank += select(0u, 1u, v > xt || (v == xt && c < t));
      if (CONFUSION && v == m) {
        first = min(first, c);
      }
    }
  }
  return vec2<u32>(rank, first);
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
  var st = vec4<f32>(neg_inf(), 0.0, 0.0, 0.0);
  if (valid) {
    let o = lane_online(base, slot.lane);
    st = vec4<f32>(o.m, o.s, 0.0, 0.0);
  }
  merging_ranks = false;
  if (ROW_THREADS > 1u) {
    st = merge_lanes(st, lid, slot.lane);
  }
  var ranked = vec2<u32>(0u, NONE);
  if (valid) {
    ranked = lane_rank(base, slot.lane, xt, t, st.x);
  }
  merging_ranks = true;
  if (ROW_THREADS > 1u) {
    ranked = bitcast<vec2<u32>>(merge_lanes(vec4<f32>(st.xy, bitcast<vec2<f32>>(ranked)), lid, slot.lane).zw);
  }
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
