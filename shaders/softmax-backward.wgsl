// @use logits, logits-vec4, rows, merge-lanes
// The backward of softmax and logSoftmax along a row, given the forward's output y and the
// upstream gradient dy (one pass per row: the row's dot product, then the row's gradient):
//   softmax:     dx = y * (dy - sum_c dy_c y_c)
//   LOG_SOFTMAX: dx = dy - exp(y) * sum_c dy_c        (y = log softmax)
// y is read through `xw` (DTYPE), dy through `dyw` (DY_DTYPE); ROW_THREADS lanes share a row.
// VEC4 rows (classes % 4 == 0, class dim last) read and write four classes at once: f32 through
// the vec4 views x4, dy4 and out4, 16-bit through the packed words.

fn dy_at(i: u32) -> f32 {
  return decode_logit(i, dyw[logit_word_index(i, DY_DTYPE)], DY_DTYPE);
}

// dy's elements 4k..4k+3.
fn dy4_at(k: u32) -> vec4<f32> {
  var v: vec4<f32>;
  if (DY_DTYPE == WORDS_F32) {
    v = dy4[k];
  } else {
    v = decode4(dyw[2u * k], dyw[2u * k + 1u], DY_DTYPE);
  }
  return v;
}

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return a + b;
}

// This lane's share of the row's sum: sum_c dy_c y_c (softmax) or sum_c dy_c (LOG_SOFTMAX).
fn lane_sum(first: u32, lane: u32) -> f32 {
  let classes = params.classes;
  var s = 0.0;
  if (VEC4) {
    let y4_base = (first + params.x_offset) / 4u;
    let dy4_base = (first + params.dy_offset) / 4u;
    var s4 = vec4<f32>(0.0);
    for (var k = lane; k < classes / 4u; k += ROW_THREADS) {
      let d = dy4_at(dy4_base + k);
      if (LOG_SOFTMAX) {
        s4 += d;
      } else {
        s4 += d * x4_at(y4_base + k);
      }
    }
    s = sum4(s4);
  } else {
    let stride = params.inner;
    let y_base = first + params.x_offset;
    let dy_base = first + params.dy_offset;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      let d = dy_at(dy_base + c * stride);
      s += select(d * x_at(y_base + c * stride), d, LOG_SOFTMAX);
    }
  }
  return s;
}

fn write_row(first: u32, lane: u32, s: f32) {
  let classes = params.classes;
  if (VEC4) {
    let y4_base = (first + params.x_offset) / 4u;
    let dy4_base = (first + params.dy_offset) / 4u;
    let out4_base = (first + params.out_offset) / 4u;
    for (var k = lane; k < classes / 4u; k += ROW_THREADS) {
      let y = x4_at(y4_base + k);
      let d = dy4_at(dy4_base + k);
      if (LOG_SOFTMAX) {
        // WGSL leaves exp(NaN) to the device (SwiftShader: +inf): a NaN y gives NaN, as in PyTorch.
        out4[out4_base + k] = select(d - exp(y) * s, vec4<f32>(nan()), is_nan4(y));
      } else {
        out4[out4_base + k] = y * (d - s);
      }
    }
  } else {
    let stride = params.inner;
    let y_base = first + params.x_offset;
    let dy_base = first + params.dy_offset;
    let out_base = first + params.out_offset;
    for (var c = lane; c < classes; c += ROW_THREADS) {
      let y = x_at(y_base + c * stride);
      let d = dy_at(dy_base + c * stride);
      out[out_base + c * stride] = select(y * (d - s), select(d - exp(y) * s, nan(), is_nan(y)), LOG_SOFTMAX);
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  // The row's first element counted from the slice's start (each bound range adds its offset).
  let first = row_base(slot.row, params.classes, params.inner);
  var s = 0.0;
  if (slot.in_range) {
    s = lane_sum(first, slot.lane);
  }
  if (ROW_THREADS > 1u) {
    s = merge_lanes(vec4<f32>(s, 0.0, 0.0, 0.0), lid, slot.lane).x;
  }
  if (slot.in_range) {
    write_row(first, slot.lane, s);
  }
}
