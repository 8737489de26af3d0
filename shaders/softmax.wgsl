// softmax / log-softmax along one dim. ROW_THREADS threads share a row (1: a thread per row,
// barrier-free; >1: strided loads, then a tree merge of online states in workgroup memory).
// Reads the row twice (online max+sum, then the output pass) and writes it once.

struct Params {
  groups: u32,
  rows: u32,
  classes: u32,
  inner: u32,
  inv_temp: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64u;
override ROW_THREADS: u32 = 1u;
override LOG_SOFTMAX: bool = false;

var<workgroup> red_m: array<f32, WG>;
var<workgroup> red_s: array<f32, WG>;

fn merge_row(acc: Online, lid: u32, lane: u32) -> Online {
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
  let row = group * (WG / ROW_THREADS) + lid / ROW_THREADS;
  let in_range = row < params.rows;
  let stride = params.inner;
  var base = 0u;
  var acc = online_empty();
  if (in_range) {
    base = row_base(row, params.classes, stride);
    for (var c = lane; c < params.classes; c += ROW_THREADS) {
      acc = online_add(acc, x[base + c * stride], params.inv_temp);
    }
  }
  if (ROW_THREADS > 1u) {
    acc = merge_row(acc, lid, lane);
  }
  if (!in_range) {
    return;
  }
  let undefined_row = online_undefined(acc);
  let log_s = log(acc.s);
  let inv_s = 1.0 / acc.s;
  for (var c = lane; c < params.classes; c += ROW_THREADS) {
    let i = base + c * stride;
    if (undefined_row) {
      y[i] = nan();
      continue;
    }
    // Subtract the max before scaling by 1/T, so large logits keep their digits.
    let z = (x[i] - acc.m) * params.inv_temp;
    if (LOG_SOFTMAX) {
      y[i] = z - log_s;
    } else {
      y[i] = exp(z) * inv_s;
    }
  }
}
