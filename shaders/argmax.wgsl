// @use logits, logits-vec4, rows, chunks, merge-lanes, order-keys
// argmax along one dim (torch.argmax): the first index of the row's largest value, NaN the
// largest. ROW_THREADS lanes share a row (strided loads); each keeps its best (key, index) pair,
// then the lanes merge. Long rows with few of them (split_partial, split_merge): one workgroup per
// (row, chunk) writes its chunk's pair, then a thread per row merges them in order. Keys and indices travel through the lane merge as f32 bit patterns: moves,
// never arithmetic, so every pattern (NaN keys, subnormal indices) arrives as it left.

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return select(a, b, pair_beats(bitcast<vec2<u32>>(b.xy), bitcast<vec2<u32>>(a.xy)));
}

// This lane's best (key, index) over classes [c0, c1) of the row at `base`, merged over the row's lanes.
fn best_pair(base: u32, lid: u32, lane: u32, c0: u32, c1: u32, in_range: bool) -> vec2<u32> {
  let stride = params.inner;
  // Key 0 is below every value's key and index ~0 after every index: any element beats it.
  var best = vec2<u32>(0u, 0xffffffffu);
  if (in_range && VEC4) {
    // Four classes a load (classes % 4 == 0, class dim last; chunks are multiples of 4 long).
    let base4 = base / 4u;
    for (var k = c0 / 4u + lane; k < c1 / 4u; k += ROW_THREADS) {
      let keys = order_key4(x4_at(base4 + k));
      // The first of the four with the largest key, then against the lane's best (earlier indices).
      var q = vec2<u32>(keys.x, 4u * k);
      q = select(q, vec2<u32>(keys.y, 4u * k + 1u), keys.y > q.x);
      q = select(q, vec2<u32>(keys.z, 4u * k + 2u), keys.z > q.x);
      q = select(q, vec2<u32>(keys.w, 4u * k + 3u), keys.w > q.x);
      if (q.x > best.x || best.y == 0xffffffffu) {
        best = q;
      }
    }
  } else if (in_range) {
    for (var c = c0 + lane; c < c1; c += ROW_THREADS) {
      let key = order_key(x_at(base + c * stride));
      // c only grows within a lane, so a tie keeps the earlier index.
      if (key > best.x || best.y == 0xffffffffu) {
        best = vec2<u32>(key, c);
      }
    }
  }
  if (ROW_THREADS > 1u) {
    best = bitcast<vec2<u32>>(merge_lanes(vec4<f32>(bitcast<vec2<f32>>(best), 0.0, 0.0), lid, lane).xy);
  }
  return best;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let base = row_base(slot.row, params.classes, params.inner) + params.x_offset;
  let best = best_pair(base, lid, slot.lane, 0u, params.classes, slot.in_range);
  if (slot.in_range && slot.lane == 0u) {
    out[params.row_offset + slot.row] = i32(best.y);
  }
}

// WG == ROW_THREADS: the workgroup is one (row, chunk).
@compute @workgroup_size(WG)
fn split_partial(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  let base = row_base(chunk.row, params.classes, params.inner) + params.x_offset;
  let best = best_pair(base, lid, lid, chunk.c0, chunk.c1, chunk.in_range);
  if (chunk.in_range && lid == 0u) {
    partials[chunk.group] = best;
  }
}

// A thread per row: its chunks' pairs, in order (a later chunk wins only with a larger key).
@compute @workgroup_size(WG)
fn split_merge(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = linear_group(wid, nwg) * WG + lid;
  if (row < params.rows) {
    var best = partials[row * params.chunks];
    for (var k = 1u; k < params.chunks; k++) {
      let p = partials[row * params.chunks + k];
      if (pair_beats(p, best)) {
        best = p;
      }
    }
    out[params.row_offset + row] = i32(best.y);
  }
}
