// @use kahan
// @needs overrides: WG; functions: sum_pair
// Two sums over `count` elements in a fixed order, the same bits every run: each of WG threads
// sums a contiguous chunk (Kahan-compensated), then a fixed-order tree. The kernel defines
// fn sum_pair(i: u32) -> vec2<f32> (element i's two terms). Call from uniform control flow (barriers).

var<workgroup> ordered_pairs: array<vec2<f32>, WG>;

fn ordered_sums(lid: u32, count: u32) -> vec2<f32> {
  let chunk = (count + WG - 1u) / WG;
  let start = lid * chunk;
  let end = min(start + chunk, count);
  var a = Kahan(0.0, 0.0);
  var b = Kahan(0.0, 0.0);
  for (var i = start; i < end; i++) {
    let terms = sum_pair(i);
    a = kahan_add(a, terms.x);
    b = kahan_add(b, terms.y);
  }
  ordered_pairs[lid] = vec2<f32>(a.sum, b.sum);
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lid < stride) {
      ordered_pairs[lid] += ordered_pairs[lid + stride];
    }
  }
  workgroupBarrier();
  return ordered_pairs[0];
}
