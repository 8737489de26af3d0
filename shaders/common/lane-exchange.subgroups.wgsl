enable subgroups;
// Lane exchange for merging row states within a subgroup (the build for devices with the feature).
fn lane_xor(v: vec4<f32>, mask: u32) -> vec4<f32> {
  return subgroupShuffleXor(v, mask);
}
