// @needs bindings: weight, pos_weight
// The elementwise losses' broadcast weights (both builds: scalar and vec4), read by global element
// index through the maps of src/ops/elementwise-loss.ts (broadcastMap).

// Index into a broadcast weight: two blocks of kept dims, ((global / div) % mod) * mul each.
fn broadcast_index(global: u32, div0: u32, mod0: u32, mul0: u32, div1: u32, mod1: u32, mul1: u32) -> u32 {
  return ((global / div0) % mod0) * mul0 + ((global / div1) % mod1) * mul1;
}

fn weight_at(global: u32) -> f32 {
  let p = params;
  return weight[broadcast_index(global, p.w_div0, p.w_mod0, p.w_mul0, p.w_div1, p.w_mod1, p.w_mul1)];
}

fn pos_weight_at(global: u32) -> f32 {
  let p = params;
  return pos_weight[broadcast_index(global, p.pw_div0, p.pw_mod0, p.pw_mul0, p.pw_div1, p.pw_mod1, p.pw_mul1)];
}
