// Cross-entropy from logits, one pass over each row: online max and sum-exp, the target logit
// picked up on the way, and (for label smoothing or probability targets) the weighted gaps.
// Writes one loss per row and, for 'mean', the row's share of the denominator.
//   class-index target t: loss = (1 - eps) * w_t * ((m - x_t) + log s) + eps / C * (D + W log s)
//   probability targets p:  loss = D + W log s with per-class weights w_c * ((1 - eps) p_c + eps / C)
// With LOG_PROBS the input already holds log-probabilities (nll_loss): loss = -w_t * x_t, no pass.
// Long rows with few of them (SPLIT): a PARTIAL pass runs one workgroup per (row, chunk of
// chunk_len classes) and writes each chunk's state (m, s, W, D) as 4 floats through row_loss; a
// MERGE pass then merges a row's chunk states, read as vec4s through x4, and finishes the row.
// SOFTCAP replaces every logit x by softcap * tanh(x / softcap) first (Gemma 2); Z_LOSS adds
// z_loss * lse^2 per position (PaLM), weighted by w_t like the rest. WRITE_ROW_STATS keeps
// (lse, W) per row for the gradient pass.
// A class index outside [0, C) that is not ignore_index is recorded (first position) in `status`.

struct Params {
  groups: u32,
  rows: u32,
  classes: u32,
  inner: u32,
  ignore_index: i32,
  smoothing: f32,
  // 1 / ln(base): 1 for nats, 1 / ln 2 for bits.
  scale: f32,
  softcap: f32,
  z_loss: f32,
  chunks: u32,
  chunk_len: u32,
  // A tensor bound in slices (larger than one binding may be): the slice's first element within
  // the bound range, and its first row among all rows (row-indexed arrays are bound whole).
  x_offset: u32,
  row_offset: u32,
  // ... and within the probability targets' bound range (f32; differs for 16-bit logits).
  t_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// The logits' words: f32, or two packed 16-bit values (DTYPE).
@group(0) @binding(1) var<storage, read> xw: array<u32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(5) var<storage, read_write> row_denom: array<f32>;
@group(0) @binding(6) var<storage, read_write> status: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> row_stats: array<vec2<f32>>;
// The logits again as vec4s, for VEC4 rows (classes % 4 == 0, class dim last).
@group(0) @binding(8) var<storage, read> x4: array<vec4<f32>>;

override WG: u32 = 64u;
override ROW_THREADS: u32 = 1u;
override PROB_TARGET: bool = false;
override HAS_WEIGHT: bool = false;
override SMOOTHING: bool = false;
override TARGET_UNSIGNED: bool = false;
override LOG_PROBS: bool = false;
override SOFTCAP: bool = false;
override Z_LOSS: bool = false;
override WRITE_ROW_STATS: bool = false;
override TWO_PASS: bool = false;
override SPLIT: u32 = 0u;
// ROW_THREADS lanes of a row share one subgroup: merge with shuffles, no workgroup memory or barriers.
override SUBGROUPS: bool = false;

const SPLIT_NONE = 0u;
const SPLIT_PARTIAL = 1u;
const SPLIT_MERGE = 2u;
override VEC4: bool = false;
override DTYPE: u32 = 0u;

fn x_at(i: u32) -> f32 {
  return decode_logit(i, xw[logit_word_index(i, DTYPE)], DTYPE);
}

// Derived, never set by the host.
override GAPS: bool = PROB_TARGET || SMOOTHING;

var<workgroup> red_m: array<f32, WG>;
var<workgroup> red_s: array<f32, WG>;
var<workgroup> red_w: array<f32, WG>;
var<workgroup> red_d: array<f32, WG>;

fn logit(i: u32) -> f32 {
  let v = x_at(i);
  if (SOFTCAP) {
    return params.softcap * tanh(v / params.softcap);
  }
  return v;
}

// Elements 4k..4k+3 of VEC4 rows, softcapped (used by lane_state_vec4 in lane-vec4.wgsl).
fn load4(k: u32) -> vec4<f32> {
  var v: vec4<f32>;
  if (DTYPE == DTYPE_F32) {
    v = x4[k];
  } else {
    v = decode4(xw[2u * k], xw[2u * k + 1u], DTYPE);
  }
  if (SOFTCAP) {
    return params.softcap * tanh(v / params.softcap);
  }
  return v;
}

fn class_weight(c: u32) -> f32 {
  if (HAS_WEIGHT) {
    return weight[c];
  }
  return 1.0;
}

// The weight each class's gap is counted with (see the header).
fn gap_weight(c: u32, i: u32) -> f32 {
  if (PROB_TARGET) {
    let p = bitcast<f32>(targets[i - params.x_offset + params.t_offset]);
    // A non-finite probability makes the row NaN (PyTorch's answer then depends on rounding: ±inf or NaN).
    if ((bitcast<u32>(p) & 0x7fffffffu) >= 0x7f800000u) {
      return nan();
    }
    let smoothed = select(p, p * (1.0 - params.smoothing) + params.smoothing / f32(params.classes), SMOOTHING);
    return class_weight(c) * smoothed;
  }
  return class_weight(c);
}

struct RowState {
  on: Online,
  gaps: Gaps,
}

fn add(a: RowState, v: f32, w: f32) -> RowState {
  var r = a;
  if (GAPS) {
    if (v > a.on.m && !is_nan(v) && v != pos_inf()) {
      r.gaps.d += gap_shift(a.gaps.w, a.on.m, v);
    }
  }
  r.on = online_add(a.on, v, 1.0);
  if (GAPS) {
    r.gaps.d += weighted_gap(w, r.on.m, v);
    r.gaps.w += w;
  }
  return r;
}

fn merge(a: RowState, b: RowState) -> RowState {
  var r: RowState;
  r.on = online_merge(a.on, b.on, 1.0);
  if (GAPS) {
    r.gaps.w = a.gaps.w + b.gaps.w;
    r.gaps.d = a.gaps.d + gap_shift(a.gaps.w, a.on.m, r.on.m) + b.gaps.d + gap_shift(b.gaps.w, b.on.m, r.on.m);
  }
  return r;
}

// The same lane state in two branch-free passes over the lane's elements (max, then sums against
// it): for CPU-emulated adapters, where per-element branches run both sides and exp is costly, so
// the second, cache-hot read is cheaper than the online rescaling.
fn lane_state_two_pass(base: u32, lane: u32, c0: u32, c1: u32) -> RowState {
  let stride = params.inner;
  var m = neg_inf();
  var poisoned = false;
  for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
    let v = logit(base + c * stride);
    m = max(m, v);
    poisoned = poisoned || is_nan(v) || v == pos_inf();
  }
  if (poisoned) {
    return RowState(Online(m, nan()), Gaps(0.0, nan()));
  }
  var s = 0.0;
  var gaps = Gaps(0.0, 0.0);
  if (m == neg_inf()) {
    // Only masked classes in this lane: it adds nothing to s (the gaps still count them).
    for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
      if (GAPS) {
        let w = gap_weight(c, base + c * stride);
        gaps.w += w;
        gaps.d += weighted_gap(w, 0.0, neg_inf());
      }
    }
    return RowState(Online(m, 0.0), gaps);
  }
  for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
    let i = base + c * stride;
    let v = logit(i);
    s += exp(v - m);
    if (GAPS) {
      let w = gap_weight(c, i);
      gaps.w += w;
      gaps.d += weighted_gap(w, m, v);
    }
  }
  return RowState(Online(m, s), gaps);
}

fn merge_row(acc: RowState, lid: u32, lane: u32) -> RowState {
  if (SUBGROUPS) {
    var a = acc;
    for (var mask = 1u; mask < ROW_THREADS; mask <<= 1u) {
      let other = RowState(Online(lane_xor(a.on.m, mask), lane_xor(a.on.s, mask)), Gaps(lane_xor(a.gaps.w, mask), lane_xor(a.gaps.d, mask)));
      a = merge(a, other);
    }
    return a;
  }
  red_m[lid] = acc.on.m;
  red_s[lid] = acc.on.s;
  red_w[lid] = acc.gaps.w;
  red_d[lid] = acc.gaps.d;
  for (var stride = ROW_THREADS / 2u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lane < stride) {
      let j = lid + stride;
      let merged = merge(
        RowState(Online(red_m[lid], red_s[lid]), Gaps(red_w[lid], red_d[lid])),
        RowState(Online(red_m[j], red_s[j]), Gaps(red_w[j], red_d[j])),
      );
      red_m[lid] = merged.on.m;
      red_s[lid] = merged.on.s;
      red_w[lid] = merged.gaps.w;
      red_d[lid] = merged.gaps.d;
    }
  }
  workgroupBarrier();
  let head = lid - lane;
  return RowState(Online(red_m[head], red_s[head]), Gaps(red_w[head], red_d[head]));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let lane = lid % ROW_THREADS;
  var row = group * (WG / ROW_THREADS) + lid / ROW_THREADS;
  // The classes this lane group covers: the whole row, or one chunk of it (SPLIT_PARTIAL).
  var c0 = 0u;
  var c1 = params.classes;
  if (SPLIT == SPLIT_PARTIAL) {
    row = group / params.chunks;
    c0 = (group % params.chunks) * params.chunk_len;
    c1 = min(c0 + params.chunk_len, params.classes);
  }
  let in_range = row < params.rows;
  let grow = row + params.row_offset;
  let stride = params.inner;
  let classes = params.classes;

  // Class-index targets: decide first, so ignored and bad rows skip the row entirely.
  var t = 0u;
  var skip = !in_range;
  if (!PROB_TARGET && in_range) {
    let raw = targets[grow];
    let signed = bitcast<i32>(raw);
    let ignored = select(signed == params.ignore_index, raw == bitcast<u32>(params.ignore_index), TARGET_UNSIGNED);
    let bad = !ignored && ((!TARGET_UNSIGNED && signed < 0) || raw >= classes);
    if (bad && lane == 0u && SPLIT != SPLIT_PARTIAL) {
      atomicMin(&status[0], grow);
    }
    skip = ignored || bad;
    t = raw;
  }

  var base = 0u;
  var acc = RowState(online_empty(), Gaps(0.0, 0.0));
  if (!skip) {
    base = row_base(row, classes, stride) + params.x_offset;
  }
  if (!skip && !LOG_PROBS && SPLIT == SPLIT_MERGE) {
    let first = row * params.chunks;
    for (var k = lane; k < params.chunks; k += ROW_THREADS) {
      let part = x4[first + k];
      acc = merge(acc, RowState(Online(part.x, part.y), Gaps(part.z, part.w)));
    }
  } else if (!skip && !LOG_PROBS) {
    if (VEC4) {
      acc.on = lane_state_vec4(base / 4u, lane, c0, c1, 1.0);
    } else if (TWO_PASS) {
      acc = lane_state_two_pass(base, lane, c0, c1);
    } else {
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        let i = base + c * stride;
        var w = 0.0;
        if (GAPS) {
          w = gap_weight(c, i);
        }
        acc = add(acc, logit(i), w);
      }
    }
  }
  if (ROW_THREADS > 1u) {
    acc = merge_row(acc, lid, lane);
  }
  if (!in_range || lane != 0u) {
    return;
  }
  if (SPLIT == SPLIT_PARTIAL) {
    let at = group * 4u;
    row_loss[at] = acc.on.m;
    row_loss[at + 1u] = acc.on.s;
    row_loss[at + 2u] = acc.gaps.w;
    row_loss[at + 3u] = acc.gaps.d;
    return;
  }
  if (skip) {
    row_loss[grow] = 0.0;
    row_denom[grow] = 0.0;
    if (WRITE_ROW_STATS) {
      row_stats[grow] = vec2<f32>(0.0, 0.0);
    }
    return;
  }
  if (LOG_PROBS) {
    let w = class_weight(t);
    row_loss[grow] = -w * x_at(base + t * stride) * params.scale;
    row_denom[grow] = w;
    return;
  }
  let undefined_row = online_undefined(acc.on);
  let log_s = log(acc.on.s);
  let lse = select(acc.on.m + log_s, nan(), undefined_row);
  if (WRITE_ROW_STATS) {
    row_stats[grow] = vec2<f32>(lse, acc.gaps.w);
  }
  if (undefined_row) {
    row_loss[grow] = nan();
    row_denom[grow] = select(1.0, class_weight(t), HAS_WEIGHT && !PROB_TARGET);
    return;
  }
  let smoothed_sum = acc.gaps.d + acc.gaps.w * log_s;
  if (PROB_TARGET) {
    var loss = smoothed_sum;
    if (Z_LOSS) {
      loss += params.z_loss * lse * lse;
    }
    row_loss[grow] = loss * params.scale;
    row_denom[grow] = 1.0;
    return;
  }
  let w_t = class_weight(t);
  let x_t = logit(base + t * stride);
  // (m - x_t) + log s, never m + log s - x_t: the latter loses every digit at |logit| ~ 1e4.
  var loss = w_t * ((acc.on.m - x_t) + log_s);
  if (SMOOTHING) {
    loss = (1.0 - params.smoothing) * loss + params.smoothing / f32(classes) * smoothed_sum;
  }
  if (Z_LOSS) {
    loss += params.z_loss * w_t * lse * lse;
  }
  row_loss[grow] = loss * params.scale;
  row_denom[grow] = w_t;
}
