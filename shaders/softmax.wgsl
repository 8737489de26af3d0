// softmax / log-softmax along one dim. ROW_THREADS threads share a row (1: a thread per row,
// barrier-free; >1: strided loads, then a tree merge of online states in workgroup memory).
// Reads the row twice (online max+sum, then the output pass) and writes it once.
// Long rows with few of them (SPLIT): a PARTIAL pass runs one workgroup per (row, chunk) and writes
// each chunk's (m, s) through y; an OUTPUT pass, again per (row, chunk), merges the row's chunk
// states and writes its chunk.

struct Params {
  groups: u32,
  rows: u32,
  classes: u32,
  inner: u32,
  inv_temp: f32,
  chunks: u32,
  chunk_len: u32,
  // A tensor bound in slices (larger than one binding may be): the slice's first element within
  // x's bound range...
  x_offset: u32,
  // ... and of the output within y's bound range (differs from x_offset for 16-bit input).
  y_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// The input's words: f32, or two packed 16-bit values (DTYPE).
@group(0) @binding(1) var<storage, read> xw: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// The same buffers as vec4s, for VEC4 rows (classes % 4 == 0, class dim last).
@group(0) @binding(3) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y4: array<vec4<f32>>;
// SPLIT_OUTPUT: the chunk states the partial pass wrote.
@group(0) @binding(5) var<storage, read> partials: array<vec2<f32>>;

override WG: u32 = 64u;
override ROW_THREADS: u32 = 1u;
override LOG_SOFTMAX: bool = false;
// Branch-free max pass, then a sum pass, per lane (CPU-emulated adapters; see cross-entropy.wgsl).
override TWO_PASS: bool = false;
override VEC4: bool = false;
override DTYPE: u32 = 0u;
override SPLIT: u32 = 0u;
// ROW_THREADS lanes of a row share one subgroup: merge with shuffles, no workgroup memory or barriers.
override SUBGROUPS: bool = false;

const SPLIT_PARTIAL = 1u;
const SPLIT_OUTPUT = 2u;

fn x_at(i: u32) -> f32 {
  return decode_logit(i, xw[logit_word_index(i, DTYPE)], DTYPE);
}

// Elements 4k..4k+3 of VEC4 rows (used by lane_state_vec4 in lane-vec4.wgsl).
fn load4(k: u32) -> vec4<f32> {
  if (DTYPE == DTYPE_F32) {
    return x4[k];
  }
  return decode4(xw[2u * k], xw[2u * k + 1u], DTYPE);
}

var<workgroup> red_m: array<f32, WG>;
var<workgroup> red_s: array<f32, WG>;

fn merge_row(acc: Online, lid: u32, lane: u32) -> Online {
  if (SUBGROUPS) {
    var a = acc;
    for (var mask = 1u; mask < ROW_THREADS; mask <<= 1u) {
      a = online_merge(a, Online(lane_xor(a.m, mask), lane_xor(a.s, mask)), params.inv_temp);
    }
    return a;
  }
  red_m[lid] = acc.m;
  red_s[lid] = acc.s;
  for (var stride = ROW_THREADS / 2u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lane < stride) {
      let merged = online_merge(Online(red_m[lid], red_s[lid]), Online(red_m[lid + stride], red_s[lid + stride]), params.inv_temp);
      red_m[lid] = merged.m;
      red_s[lid] = merged.s;
    }
  }
  workgroupBarrier();
  let head = lid - lane;
  return Online(red_m[head], red_s[head]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let lane = lid % ROW_THREADS;
  var row = group * (WG / ROW_THREADS) + lid / ROW_THREADS;
  // The classes this lane group covers: the whole row, or one chunk (SPLIT, WG == ROW_THREADS).
  var c0 = 0u;
  var c1 = params.classes;
  if (SPLIT != 0u) {
    row = group / params.chunks;
    c0 = (group % params.chunks) * params.chunk_len;
    c1 = min(c0 + params.chunk_len, params.classes);
  }
  let in_range = row < params.rows;
  let stride = params.inner;
  var base = 0u;
  var acc = online_empty();
  if (in_range && SPLIT == SPLIT_OUTPUT) {
    base = row_base(row, params.classes, stride) + params.x_offset;
    // Every lane merges the row's chunk states itself: there are few, and it needs no barrier.
    for (var k = 0u; k < params.chunks; k++) {
      let part = partials[row * params.chunks + k];
      acc = online_merge(acc, Online(part.x, part.y), params.inv_temp);
    }
  } else if (in_range) {
    base = row_base(row, params.classes, stride) + params.x_offset;
    if (VEC4) {
      acc = lane_state_vec4(base / 4u, lane, c0, c1, params.inv_temp);
    } else if (TWO_PASS) {
      var m = neg_inf();
      var poisoned = false;
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        let v = x_at(base + c * stride);
        m = max(m, v);
        poisoned = poisoned || is_nan(v) || v == pos_inf();
      }
      var s = 0.0;
      if (m != neg_inf()) {
        for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
          s += exp((x_at(base + c * stride) - m) * params.inv_temp);
        }
      }
      acc = Online(m, select(s, nan(), poisoned));
    } else {
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        acc = online_add(acc, x_at(base + c * stride), params.inv_temp);
      }
    }
  }
  if (ROW_THREADS > 1u && SPLIT != SPLIT_OUTPUT) {
    acc = merge_row(acc, lid, lane);
  }
  if (!in_range) {
    return;
  }
  if (SPLIT == SPLIT_PARTIAL) {
    if (lane == 0u) {
      y[2u * group] = acc.m;
      y[2u * group + 1u] = acc.s;
    }
    return;
  }
  let undefined_row = online_undefined(acc);
  let log_s = log(acc.s);
  let inv_s = 1.0 / acc.s;
  if (VEC4) {
    let base4 = base / 4u;
    for (var k = c0 / 4u + lane; k < c1 / 4u; k += ROW_THREADS) {
      let z = (load4(base4 + k) - acc.m) * params.inv_temp;
      if (undefined_row) {
        y4[base4 + k - params.x_offset / 4u + params.y_offset / 4u] = vec4<f32>(nan());
      } else if (LOG_SOFTMAX) {
        y4[base4 + k - params.x_offset / 4u + params.y_offset / 4u] = z - log_s;
      } else {
        y4[base4 + k - params.x_offset / 4u + params.y_offset / 4u] = exp(z) * inv_s;
      }
    }
    return;
  }
  for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
    let i = base + c * stride;
    if (undefined_row) {
      y[i - params.x_offset + params.y_offset] = nan();
      continue;
    }
    // Subtract the max before scaling by 1/T, so large logits keep their digits.
    let z = (x_at(i) - acc.m) * params.inv_temp;
    if (LOG_SOFTMAX) {
      y[i - params.x_offset + params.y_offset] = z - log_s;
    } else {
      y[i - params.x_offset + params.y_offset] = exp(z) * inv_s;
    }
  }
}
