// @use lane-exchange
// @needs overrides: WG, ROW_THREADS, SUBGROUPS; functions: merge_states
// Merges the states of a row's ROW_THREADS lanes (consecutive invocations) so that every lane
// gets the row's state: by subgroup shuffles when the lanes share a subgroup (SUBGROUPS), else a
// tree in workgroup memory (call it from uniform control flow: it has barriers). A state is four
// floats; the kernel defines fn merge_states(a, b) -> vec4<f32> and the overrides WG, ROW_THREADS
// and SUBGROUPS.

var<workgroup> lane_states: array<vec4<f32>, WG>;

fn merge_lanes(acc: vec4<f32>, lid: u32, lane: u32) -> vec4<f32> {
  var a = acc;
  if (SUBGROUPS) {
    for (var mask = 1u; mask < ROW_THREADS; mask <<= 1u) {
      a = merge_states(a, lane_xor(a, mask));
    }
  } else {
    lane_states[lid] = acc;
    for (var stride = ROW_THREADS / 2u; stride > 0u; stride >>= 1u) {
      workgroupBarrier();
      if (lane < stride) {
        lane_states[lid] = merge_states(lane_states[lid], lane_states[lid + stride]);
      }
    }
    workgroupBarrier();
    a = lane_states[lid - lane];
  }
  return a;
}
