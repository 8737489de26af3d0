// Stand-in for lane-exchange.subgroups.wgsl on devices without the `subgroups` feature: kernels
// built with it have SUBGROUPS = false and never call it.
fn lane_xor(v: vec4<f32>, mask: u32) -> vec4<f32> {
  return v;
}
