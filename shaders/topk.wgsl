// @use logits, dispatch, order-keys, radix-select, workgroup-scan
// topk along one dim (torch.topk / ONNX TopK), sorting-free: one workgroup per row finds the k-th
// largest order key by radix selection (radix-select.wgsl), then takes every element above it and
// the lowest-index elements equal to it, in index order (each thread a contiguous chunk of the
// row, placed by a prefix sum of the chunks' counts). Entry points: `main` writes the result in
// index order (sorted = false), or (sorted = true) the (key, index) pairs to `pairs`, which `rank`
// then places: each of a row's k pairs at its rank among them (value descending, index ascending).

fn row_key(base: u32, c: u32) -> u32 {
  let v = x_at(base + c * params.inner);
  return select(order_key_smallest(v), order_key(v), LARGEST);
}

var<private> row_base_index: u32;

fn select_key(c: u32) -> u32 {
  return row_key(row_base_index, c);
}

fn select_mass(c: u32) -> vec2<u32> {
  return vec2<u32>(1u, 0u);
}

// Where result j of `row` goes: k along the dim, laid out like the input (a slice's rows are
// whole outer blocks, so its results are too).
fn out_index(row: u32, j: u32) -> u32 {
  let o = row / params.inner;
  return params.out_offset + (o * params.k + j) * params.inner + (row - o * params.inner);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = linear_group(wid, nwg);
  let in_range = row < params.rows;
  let n = select(0u, params.classes, in_range);
  let base = row_base(row, params.classes, params.inner) + params.x_offset;
  row_base_index = base;
  let threshold = radix_select(lid, n, vec2<u32>(params.k, 0u), false);
  let take_equal = params.k - threshold.above.x;
  // This thread's chunk [c0, c1) and its counts above and equal to the threshold.
  let chunk = (n + WG - 1u) / WG;
  let c0 = min(n, lid * chunk);
  let c1 = min(n, c0 + chunk);
  var above = 0u;
  var equal = 0u;
  for (var c = c0; c < c1; c++) {
    let key = row_key(base, c);
    above += select(0u, 1u, key > threshold.key);
    equal += select(0u, 1u, key == threshold.key);
  }
  let before = workgroup_scan(lid, vec4<u32>(above, 0u, equal, 0u)).before;
  if (in_range) {
    var equal_seen = before.z;
    var pos = before.x + min(before.z, take_equal);
    for (var c = c0; c < c1; c++) {
      let key = row_key(base, c);
      var take = key > threshold.key;
      if (key == threshold.key) {
        take = equal_seen < take_equal;
        equal_seen++;
      }
      if (take) {
        if (SORTED) {
          pairs[params.pairs_offset + row * params.k + pos] = vec2<u32>(key, c);
        } else {
          values[out_index(row, pos)] = x_at(base + c * params.inner);
          indices[out_index(row, pos)] = i32(c);
        }
        pos++;
      }
    }
  }
}

// One thread per (row, j): pair j's rank among its row's k pairs.
@compute @workgroup_size(WG)
fn rank(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let item = linear_group(wid, nwg) * WG + lid;
  let k = params.k;
  if (item < params.rows * k) {
    let row = item / k;
    let first = params.pairs_offset + row * k;
    let me = pairs[params.pairs_offset + item];
    var r = 0u;
    for (var j = first; j < first + k; j++) {
      r += select(0u, 1u, pair_beats(pairs[j], me));
    }
    let base = row_base(row, params.classes, params.inner) + params.x_offset;
    values[out_index(row, r)] = x_at(base + me.y * params.inner);
    indices[out_index(row, r)] = i32(me.y);
  }
}
