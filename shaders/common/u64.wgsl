// Unsigned 64-bit integers as vec2<u32>(low word, high word): WGSL has no u64, and the samplers'
// probability masses are fixed-point integers (exact sums, the same in any order, on any plan).

fn u64_add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

fn u64_sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

fn u64_ge(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.y > b.y || (a.y == b.y && a.x >= b.x);
}

fn u64_gt(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.y > b.y || (a.y == b.y && a.x > b.x);
}

// a · b as 64 bits, from 16-bit halves (WGSL has no widening multiply).
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let mid = p01 + p10;
  let mid_carry = select(0u, 0x10000u, mid < p01);
  let lo = p00 + (mid << 16u);
  return vec2<u32>(lo, p11 + (mid >> 16u) + mid_carry + select(0u, 1u, lo < p00));
}

// ⌊a · m / 2²⁴⌋ for a < 2⁶⁴ whose product with m stays below 2⁸⁸.
fn u64_mul_shr24(a: vec2<u32>, m: u32) -> vec2<u32> {
  let p = mul_wide(a.x, m);
  let q = mul_wide(a.y, m);
  let mid = q.x + p.y;
  let top = q.y + select(0u, 1u, mid < q.x);
  return vec2<u32>((p.x >> 24u) | (mid << 8u), (mid >> 24u) | (top << 8u));
}

// The nearest f32 to a (relative error below 2⁻²³).
fn u64_to_f32(a: vec2<u32>) -> f32 {
  return f32(a.y) * 4294967296.0 + f32(a.x);
}
