// Lane exchange for merging row states within a subgroup (appended, after `enable subgroups;`,
// when the device has the feature). subgroups-none.wgsl defines the same for devices without it.
fn lane_xor(v: f32, mask: u32) -> f32 {
  return subgroupShuffleXor(v, mask);
}
