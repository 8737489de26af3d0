// @use logits, rows, merge-lanes
// The backward of softmax and logSoftmax along a row, given the forward's output y and the
// upstream gradient dy (one pass per row: the row's dot product, then the row's gradient):
//   softmax:     dx = y * (dy - sum_c dy_c y_c)
//   LOG_SOFTMAX: dx = dy - exp(y) * sum_c dy_c        (y = log softmax)
// y is read through `xw` (DTYPE), dy through `dyw` (DY_DTYPE); ROW_THREADS lanes share a row.

fn dy_at(i: u32) -> f32 {
  return decode_logit(i, dyw[logit_word_index(i, DY_DTYPE)], DY_DTYPE);
}

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return a + b;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let classes = params.classes;
  let stride = params.inner;
  // The row's first element counted from the slice's start, then in each bound range.
  let first = row_base(slot.row, classes, stride);
  let y_base = first + params.x_offset;
  let dy_base = first + params.dy_offset;
  let out_base = first + params.out_offset;
  var s = 0.0;
  if (slot.in_range) {
    for (var c = slot.lane; c < classes; c += ROW_THREADS) {
      let d = dy_at(dy_base + c * stride);
      s += select(d * x_at(y_base + c * stride), d, LOG_SOFTMAX);
    }
  }
  if (ROW_THREADS > 1u) {
    s = merge_lanes(vec4<f32>(s, 0.0, 0.0, 0.0), lid, slot.lane).x;
  }
  if (slot.in_range) {
    for (var c = slot.lane; c < classes; c += ROW_THREADS) {
      let y = x_at(y_base + c * stride);
      let d = dy_at(dy_base + c * stride);
      out[out_base + c * stride] = select(y * (d - s), d - exp(y) * s, LOG_SOFTMAX);
    }
  }
}
