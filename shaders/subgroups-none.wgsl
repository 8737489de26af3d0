// Stand-in for subgroups.wgsl on devices without the `subgroups` feature: kernels built with this
// have SUBGROUPS = false and never call it.
fn lane_xor(v: f32, mask: u32) -> f32 {
  return v;
}
