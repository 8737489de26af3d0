// @use dispatch
// @needs uniforms: size; overrides: WG, PER_THREAD; functions: element
// The entry point of elementwise kernels: each thread takes PER_THREAD elements WG apart and calls
// the kernel's fn element(i) for each i < params.size (i counts from the bound slice's start).
// The kernel declares the uniform `size` and the overrides WG and PER_THREAD.

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = start + k * WG;
    if (i < params.size) {
      element(i);
    }
  }
}
