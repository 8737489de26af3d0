// d(loss)/d(logits) for cross-entropy, after the row pass wrote (lse, W) per row and the reduction
// wrote the mean's divisor D. Rows are laid out on threads as in the row pass (ROW_THREADS lanes
// per row, no integer division per element). With z = softcap(x) and p = exp(z - lse):
//   class index t:  g = (1 - eps) w_t (p - [c == t]) + eps / C (W p - w_c) + 2 z_loss w_t lse p
//   probabilities:  g = W p - w_c q_c + 2 z_loss lse p,  q = (1 - eps) y + eps / C, W = sum w_c q_c
// times scale (1 / ln base) / D for 'mean', and (1 - (z / softcap)^2) through the softcap.
// Ignored (and bad) positions get 0. IN_PLACE writes the gradient over the logits. VEC4 rows
// (classes % 4 == 0, class dim last, class-index targets, no smoothing) go four classes at a time.

struct Params {
  groups: u32,
  rows: u32,
  classes: u32,
  inner: u32,
  ignore_index: i32,
  smoothing: f32,
  scale: f32,
  softcap: f32,
  z_loss: f32,
  chunks: u32,
  chunk_len: u32,
  // A tensor bound in slices (see cross-entropy.wgsl): the slice's first element within the bound
  // ranges of the logits, probability targets and gradient, and its first row among all rows.
  x_offset: u32,
  row_offset: u32,
  // The slice's first element within the gradient's (and probability targets') bound ranges:
  // differs from x_offset for 16-bit logits, whose f32 gradient is twice their size.
  y_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// The logits' words: f32, or two packed 16-bit values (DTYPE); IN_PLACE (f32 only) overwrites them.
@group(0) @binding(1) var<storage, read_write> xw: array<u32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> row_stats: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> divisor: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad: array<f32>;
// VEC4 rows: the gradient's buffer as vec4s (IN_PLACE: the logits', read and overwritten), and the
// logits as vec4s when not in place. A buffer may be bound writable only once per dispatch, so the
// host binds scratch buffers to the views a variant does not use.
@group(0) @binding(7) var<storage, read_write> io4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> x4: array<vec4<f32>>;

override WG: u32 = 64u;
override ROW_THREADS: u32 = 1u;
override PROB_TARGET: bool = false;
override HAS_WEIGHT: bool = false;
override SMOOTHING: bool = false;
override TARGET_UNSIGNED: bool = false;
override SOFTCAP: bool = false;
override Z_LOSS: bool = false;
override MEAN: bool = false;
override IN_PLACE: bool = false;
override VEC4: bool = false;
// Long rows on a GPU: one workgroup (WG == ROW_THREADS) per (row, chunk of chunk_len classes).
override CHUNKED: bool = false;
override DTYPE: u32 = 0u;

fn x_at(i: u32) -> f32 {
  return decode_logit(i, xw[logit_word_index(i, DTYPE)], DTYPE);
}

fn class_weight(c: u32) -> f32 {
  if (HAS_WEIGHT) {
    return weight[c];
  }
  return 1.0;
}

// i indexes the logits' bound range; the gradient (f32) may sit at another offset in its own.
fn store(i: u32, g: f32) {
  if (IN_PLACE) {
    xw[i] = bitcast<u32>(g);
  } else {
    grad[i - params.x_offset + params.y_offset] = g;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let lane = lid % ROW_THREADS;
  var row = group * (WG / ROW_THREADS) + lid / ROW_THREADS;
  var c0 = 0u;
  var c1 = params.classes;
  if (CHUNKED) {
    row = group / params.chunks;
    c0 = (group % params.chunks) * params.chunk_len;
    c1 = min(c0 + params.chunk_len, params.classes);
  }
  if (row >= params.rows) {
    return;
  }
  let classes = params.classes;
  let stride = params.inner;
  let grow = row + params.row_offset;
  let base = row_base(row, classes, stride) + params.x_offset;
  let stats = row_stats[grow];
  let lse = stats.x;
  var factor = params.scale;
  if (MEAN) {
    factor /= divisor[0];
  }

  // Per row: the target (or none), its weight, and the coefficient of p in g.
  var t = NO_POSITION;
  var w_t = 1.0;
  var skip = false;
  if (!PROB_TARGET) {
    let raw = targets[grow];
    let signed = bitcast<i32>(raw);
    let ignored = select(signed == params.ignore_index, raw == bitcast<u32>(params.ignore_index), TARGET_UNSIGNED);
    skip = ignored || (!TARGET_UNSIGNED && signed < 0) || raw >= classes;
    t = raw;
    if (!skip) {
      w_t = class_weight(raw);
    }
  }
  var p_coef = 0.0;
  if (PROB_TARGET) {
    p_coef = stats.y;
  } else {
    p_coef = w_t;
    if (SMOOTHING) {
      p_coef = (1.0 - params.smoothing) * w_t + params.smoothing / f32(classes) * stats.y;
    }
  }
  if (Z_LOSS) {
    p_coef += 2.0 * params.z_loss * w_t * lse;
  }

  if (VEC4) {
    let base4 = base / 4u;
    for (var k = c0 / 4u + lane; k < c1 / 4u; k += ROW_THREADS) {
      var z: vec4<f32>;
      if (IN_PLACE) {
        z = io4[base4 + k];
      } else if (DTYPE == DTYPE_F32) {
        z = x4[base4 + k];
      } else {
        z = decode4(xw[2u * (base4 + k)], xw[2u * (base4 + k) + 1u], DTYPE);
      }
      if (SOFTCAP) {
        z = params.softcap * tanh(z / params.softcap);
      }
      var g = p_coef * exp(z - lse);
      let c0 = 4u * k;
      if (t >= c0 && t < c0 + 4u) {
        g[t - c0] -= w_t;
      }
      g *= factor;
      if (SOFTCAP) {
        let u = z / params.softcap;
        g *= 1.0 - u * u;
      }
      io4[base4 + k - params.x_offset / 4u + params.y_offset / 4u] = select(g, vec4<f32>(0.0), skip);
    }
    return;
  }
  for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
    let i = base + c * stride;
    if (skip) {
      store(i, 0.0);
      continue;
    }
    var z = x_at(i);
    if (SOFTCAP) {
      z = params.softcap * tanh(z / params.softcap);
    }
    var g = p_coef * exp(z - lse);
    if (PROB_TARGET) {
      let y = bitcast<f32>(targets[i - params.x_offset + params.y_offset]);
      let q = select(y, y * (1.0 - params.smoothing) + params.smoothing / f32(classes), SMOOTHING);
      g -= class_weight(c) * q;
    } else {
      if (c == t) {
        g -= (1.0 - params.smoothing) * w_t;
      }
      if (SMOOTHING) {
        g -= params.smoothing / f32(classes) * class_weight(c);
      }
    }
    g *= factor;
    if (SOFTCAP) {
      let u = z / params.softcap;
      g *= 1.0 - u * u;
    }
    store(i, g);
  }
}
