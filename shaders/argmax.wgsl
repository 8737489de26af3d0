// @use logits, rows, merge-lanes, order-keys
// argmax along one dim (torch.argmax): the first index of the row's largest value, NaN the
// largest. ROW_THREADS lanes share a row (strided loads); each keeps its best (key, index) pair,
// then the lanes merge. Keys and indices travel through the lane merge as f32 bit patterns: moves,
// never arithmetic, so every pattern (NaN keys, subnormal indices) arrives as it left.

fn merge_states(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return select(a, b, pair_beats(bitcast<vec2<u32>>(b.xy), bitcast<vec2<u32>>(a.xy)));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = row_slot(wid, nwg, lid);
  let base = row_base(slot.row, params.classes, params.inner) + params.x_offset;
  let classes = params.classes;
  let stride = params.inner;
  // Key 0 is below every value's key and index ~0 after every index: any element beats it.
  var best = vec2<u32>(0u, 0xffffffffu);
  if (slot.in_range) {
    for (var c = slot.lane; c < classes; c += ROW_THREADS) {
      let key = order_key(x_at(base + c * stride));
      // c only grows within a lane, so a tie keeps the earlier index.
      if (key > best.x || best.y == 0xffffffffu) {
        best = vec2<u32>(key, c);
      }
    }
  }
  if (ROW_THREADS > 1u) {
    best = bitcast<vec2<u32>>(merge_lanes(vec4<f32>(bitcast<vec2<f32>>(best), 0.0, 0.0), lid, slot.lane).xy);
  }
  if (slot.in_range && slot.lane == 0u) {
    out[params.row_offset + slot.row] = i32(best.y);
  }
}
