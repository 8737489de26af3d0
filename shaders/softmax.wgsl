// @use logits, logits-vec4, span4-store, rows, chunks, lane-scalar, lane-vec4, merge-lanes
// softmax / log-softmax along one dim. ROW_THREADS threads share a row (1: a thread per row,
// barrier-free; >1: strided loads, then a merge of lane states). Reads the row twice (max and
// sum, then the output pass) and writes it once. VEC4 rows (classes % 4 == 0) go four classes at a
// time; SPAN4 rows (classes % 4 != 0, unsliced) read the vec4s spanning them, and with SPAN4_STORE
// (32 classes or more) write them too.
// Long rows with few of them (entry points split_partial, split_output): one workgroup per (row,
// chunk) writes each chunk's (m, s) to `partials`; then, again per (row, chunk), every chunk
// merges its row's states and writes its own classes.

fn load1(i: u32) -> f32 {
  return x_at(i);
}

fn load4(k: u32) -> vec4<f32> {
  return x4_at(k);
}

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let m = online_merge(Online(a.x, a.y), Online(b.x, b.y), params.inv_temp);
  return vec4<f32>(m.m, m.s, 0.0, 0.0);
}

// The row's state over classes [c0, c1), the same in every lane (all invocations call it: it may
// hold barriers).
fn row_state(base: u32, lid: u32, lane: u32, c0: u32, c1: u32, in_range: bool) -> Online {
  var acc = online_empty();
  if (in_range) {
    if (VEC4) {
      acc = lane_state_vec4(base / 4u, lane, c0, c1, params.inv_temp);
    } else if (SPAN4) {
      acc = lane_state_span4(base + c0, base + c1, lane, params.inv_temp);
    } else {
      acc = lane_state_scalar(base, lane, c0, c1, params.inv_temp);
    }
  }
  if (ROW_THREADS > 1u) {
    let merged = merge_lanes(vec4<f32>(acc.m, acc.s, 0.0, 0.0), lid, lane);
    acc = Online(merged.x, merged.y);
  }
  return acc;
}

// Four outputs of a defined row: (x - m) / T - log s, or exp((x - m) / T) / s.
fn output4(v: vec4<f32>, m: f32, inv_t: f32, log_s: f32, inv_s: f32) -> vec4<f32> {
  let z = (v - m) * inv_t;
  var y = vec4<f32>(0.0);
  if (LOG_SOFTMAX) {
    y = z - log_s;
  } else {
    y = exp(z) * inv_s;
  }
  return y;
}

// Writes this lane's outputs of classes [c0, c1) from the row's state. Kernel functions avoid
// early returns: SwiftShader runs what follows a possible return under a mask.
fn write_row(base: u32, lane: u32, c0: u32, c1: u32, acc: Online) {
  let undefined_row = online_undefined(acc);
  let log_s = log(acc.s);
  let inv_s = 1.0 / acc.s;
  if (VEC4) {
    let base4 = base / 4u;
    // The output (f32) may sit at another offset in its bound range than 16-bit input in its own.
    let o4 = base4 - params.x_offset / 4u + params.y_offset / 4u;
    // Uniforms and the row's case read once, one loop per case: Subzero reloads a uniform and
    // re-tests a row-constant branch on every iteration.
    let m = acc.m;
    let inv_t = params.inv_temp;
    let k0 = c0 / 4u + lane;
    let k1 = c1 / 4u;
    if (undefined_row) {
      for (var k = k0; k < k1; k += ROW_THREADS) {
        out4[o4 + k] = vec4<f32>(nan());
      }
    } else {
      // Four vec4s an iteration (loads first) where lanes share a row: the loop's own test and lane
      // mask cost Subzero about as much as a vec4's exp (Chromium, SwiftShader: softmax 1.78 →
      // 1.50× its copy+exp floor on [4, 128256], 1.86 → 1.77× on [64, 32000]). With a thread a row
      // the unrolled loop slowed even rows too short to enter it ([4096, 12]: 0.51 → 0.79 ms).
      var k = k0;
      if (ROW_THREADS > 1u) {
        for (; k + 3u * ROW_THREADS < k1; k += 4u * ROW_THREADS) {
          let v0 = load4(base4 + k);
          let v1 = load4(base4 + k + ROW_THREADS);
          let v2 = load4(base4 + k + 2u * ROW_THREADS);
          let v3 = load4(base4 + k + 3u * ROW_THREADS);
          out4[o4 + k] = output4(v0, m, inv_t, log_s, inv_s);
          out4[o4 + k + ROW_THREADS] = output4(v1, m, inv_t, log_s, inv_s);
          out4[o4 + k + 2u * ROW_THREADS] = output4(v2, m, inv_t, log_s, inv_s);
          out4[o4 + k + 3u * ROW_THREADS] = output4(v3, m, inv_t, log_s, inv_s);
        }
      }
      for (; k < k1; k += ROW_THREADS) {
        out4[o4 + k] = output4(load4(base4 + k), m, inv_t, log_s, inv_s);
      }
    }
  } else if (SPAN4_STORE) {
    // The vec4s spanning elements [e0, e1) of the row (unsliced: the output's index is the input's).
    let e0 = base + c0;
    let e1 = base + c1;
    let k1 = (e1 + 3u) / 4u;
    let m = acc.m;
    let inv_t = params.inv_temp;
    if (undefined_row) {
      for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
        store_span4(k, vec4<f32>(nan()), span4_inside(k, e0, e1));
      }
    } else if (LOG_SOFTMAX) {
      for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
        store_span4(k, (load4(k) - m) * inv_t - log_s, span4_inside(k, e0, e1));
      }
    } else {
      for (var k = e0 / 4u + lane; k < k1; k += ROW_THREADS) {
        store_span4(k, exp((load4(k) - m) * inv_t) * inv_s, span4_inside(k, e0, e1));
      }
    }
  } else {
    // One loop per row case, uniforms in locals (as the VEC4 loops above).
    let stride = params.inner;
    let inv_t = params.inv_temp;
    let m = acc.m;
    let out_base = base - params.x_offset + params.y_offset;
    if (undefined_row) {
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        y[out_base + c * stride] = nan();
      }
    } else {
      for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
        // Subtract the max before scaling by 1/T, so large logits keep their digits.
        let z = (x_at(base + c * stride) - m) * inv_t;
        if (LOG_SOFTMAX) {
          y[out_base + c * stride] = z - log_s;
        } else {
          y[out_base + c * stride] = exp(z) * inv_s;
        }
      }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let base = row_base(slot.row, params.classes, params.inner) + params.x_offset;
  let acc = row_state(base, lid, slot.lane, 0u, params.classes, slot.in_range);
  if (slot.in_range) {
    write_row(base, slot.lane, 0u, params.classes, acc);
  }
}

// WG == ROW_THREADS: the workgroup is one (row, chunk).
@compute @workgroup_size(WG)
fn split_partial(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  let base = row_base(chunk.row, params.classes, params.inner) + params.x_offset;
  let acc = row_state(base, lid, lid, chunk.c0, chunk.c1, chunk.in_range);
  if (chunk.in_range && lid == 0u) {
    partials[chunk.group] = vec2<f32>(acc.m, acc.s);
  }
}

@compute @workgroup_size(WG)
fn split_output(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  if (!chunk.in_range) {
    return;
  }
  // Every lane merges the row's chunk states itself: there are few, and it needs no barrier.
  var acc = online_empty();
  for (var k = 0u; k < params.chunks; k++) {
    let part = partials[chunk.row * params.chunks + k];
    acc = online_merge(acc, Online(part.x, part.y), params.inv_temp);
  }
  let base = row_base(chunk.row, params.classes, params.inner) + params.x_offset;
  write_row(base, lid, chunk.c0, chunk.c1, acc);
}
