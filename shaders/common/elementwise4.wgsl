// @use dispatch
// @needs uniforms: size; overrides: WG, PER_THREAD; functions: element4
// The entry point of elementwise kernels that take four elements at a time (beside
// elementwise.wgsl's `main`, one at a time): each thread takes PER_THREAD groups of four WG apart
// and calls the kernel's fn element4(k) for each k with 4k < params.size (elements 4k..4k+3; the
// last group may run past the size: the kernel masks or, for tensors bound whole whose buffers
// hold whole vec4s, reads and writes the buffers' padding). SwiftShader turns per-lane scalar loads
// into one load each; a vec4 is one load for four elements.

@compute @workgroup_size(WG)
fn main4(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  for (var j = 0u; j < PER_THREAD; j++) {
    let k = start + j * WG;
    if (4u * k < params.size) {
      element4(k);
    }
  }
}
