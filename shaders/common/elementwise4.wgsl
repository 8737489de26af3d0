// @use dispatch
// The vec4 entry point of elementwise kernels, beside elementwise.wgsl's scalar `main`: each thread
// takes PER_THREAD vec4s WG apart and calls the kernel's fn element4(k) for each vec4 k with
// 4k < params.size. For tensors bound whole whose buffers hold whole vec4s (the host checks): the
// last vec4's spare lanes read and write the buffers' padding. SwiftShader turns per-lane scalar
// loads into one load each; a vec4 is one load for four elements.

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
