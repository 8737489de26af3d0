// @use u64
// @needs overrides: WG; functions: select_key, select_mass
// Sorting-free selection over one row by a workgroup: the threshold key T such that the elements
// with keys above T weigh less than `goal` and those with keys ≥ T weigh at least `goal`
// (by count: T is the goal-th largest key; by mass: the top-p threshold). Four rounds, one per
// key byte from the top: a 256-bin histogram of the candidates still matching the chosen prefix,
// then one walk down the bins. Integer weights in workgroup atomics: the result does not depend on
// the order the threads add in. The kernel defines select_key(c) -> u32 (the element's order key)
// and select_mass(c) -> vec2<u32> (its weight as u64, used when by_mass); all of the workgroup
// calls it (barriers).

var<workgroup> radix_lo: array<atomic<u32>, 256>;
var<workgroup> radix_hi: array<atomic<u32>, 256>;
var<workgroup> radix_choice: vec4<u32>;

struct RadixResult {
  // The threshold key.
  key: u32,
  // The weight of the elements whose keys are above it.
  above: vec2<u32>,
}

// Adds w to bin b: the low word's carry goes to the high word exactly once (the add that wraps it).
fn radix_add(b: u32, w: vec2<u32>) {
  let old = atomicAdd(&radix_lo[b], w.x);
  let carry = select(0u, 1u, old + w.x < old);
  if (w.y + carry != 0u) {
    atomicAdd(&radix_hi[b], w.y + carry);
  }
}

fn radix_select(lid: u32, n: u32, goal: vec2<u32>, by_mass: bool) -> RadixResult {
  var prefix = 0u;
  var mask = 0u;
  var above = vec2<u32>(0u);
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    for (var b = lid; b < 256u; b += WG) {
      atomicStore(&radix_lo[b], 0u);
      atomicStore(&radix_hi[b], 0u);
    }
    workgroupBarrier();
    for (var c = lid; c < n; c += WG) {
      let key = select_key(c);
      if ((key & mask) == prefix) {
        var w = vec2<u32>(1u, 0u);
        if (by_mass) {
          w = select_mass(c);
        }
        if (w.x != 0u || w.y != 0u) {
          radix_add((key >> shift) & 0xffu, w);
        }
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var acc = above;
      var b = 255u;
      loop {
        let next = u64_add(acc, vec2<u32>(atomicLoad(&radix_lo[b]), atomicLoad(&radix_hi[b])));
        if (u64_ge(next, goal) || b == 0u) {
          break;
        }
        acc = next;
        b -= 1u;
      }
      radix_choice = vec4<u32>(prefix | (b << shift), mask | (0xffu << shift), acc);
    }
    workgroupBarrier();
    let choice = radix_choice;
    prefix = choice.x;
    mask = choice.y;
    above = choice.zw;
  }
  return RadixResult(prefix, above);
}
