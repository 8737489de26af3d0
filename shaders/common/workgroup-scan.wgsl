// @use u64
// @needs overrides: WG
// An exclusive prefix sum over a workgroup's invocations, in invocation order, of pairs of u64
// (vec4<u32>: (lo, hi) twice): a thread's contiguous chunk of a row learns what the chunks before
// it hold. One thread adds the WG values in order: WG steps, next to nothing beside a pass over a
// row, and the sums are exact. Call from uniform control flow (barriers).

var<workgroup> scan_slots: array<vec4<u32>, WG>;
var<workgroup> scan_total: vec4<u32>;

struct Scan {
  before: vec4<u32>,
  total: vec4<u32>,
}

fn scan_add(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
  return vec4<u32>(u64_add(a.xy, b.xy), u64_add(a.zw, b.zw));
}

fn workgroup_scan(lid: u32, v: vec4<u32>) -> Scan {
  scan_slots[lid] = v;
  workgroupBarrier();
  if (lid == 0u) {
    var acc = vec4<u32>(0u);
    for (var i = 0u; i < WG; i++) {
      let x = scan_slots[i];
      scan_slots[i] = acc;
      acc = scan_add(acc, x);
    }
    scan_total = acc;
  }
  workgroupBarrier();
  let out = Scan(scan_slots[lid], scan_total);
  // The next scan may not overwrite the slots before every thread has read its own.
  workgroupBarrier();
  return out;
}
