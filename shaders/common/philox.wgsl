// @use u64
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", Random123): a
// counter-based generator, so a draw is a pure function of (counter, key) with no state to keep
// between steps. The float64 reference (src/reference/decode.ts) computes the same words.

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mul_wide(0xd2511f53u, c.x);
    let p1 = mul_wide(0xcd9e8d57u, c.z);
    c = vec4<u32>(p1.y ^ c.y ^ k.x, p1.x, p0.y ^ c.w ^ k.y, p0.x);
    k += vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}
