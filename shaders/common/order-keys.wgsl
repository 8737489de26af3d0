// Values as u32 keys whose unsigned order is torch's descending order for argmax / topk: NaN the
// largest (every NaN the same key), −0 equal to +0, then the IEEE order. A (key, index) pair
// "beats" another when its key is larger, or equal with a lower index (ties: the lower index
// first). Keys compare as integers: no float compare, so no NaN rule to get wrong.

const KEY_NAN = 0xffffffffu;

fn order_key(v: f32) -> u32 {
  let bits = bitcast<u32>(v);
  // −0 → +0, so the two tie.
  let b = select(bits, 0u, bits == 0x80000000u);
  let key = select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
  return select(key, KEY_NAN, (bits & 0x7fffffffu) > 0x7f800000u);
}

// Four keys at once (argmax's vec4 rows).
fn order_key4(v: vec4<f32>) -> vec4<u32> {
  let bits = bitcast<vec4<u32>>(v);
  let b = select(bits, vec4<u32>(0u), bits == vec4<u32>(0x80000000u));
  let key = select(b | vec4<u32>(0x80000000u), ~b, (b & vec4<u32>(0x80000000u)) != vec4<u32>(0u));
  return select(key, vec4<u32>(KEY_NAN), (bits & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u));
}

// The key ordering smallest values first (topk with largest = false): NaN still last.
fn order_key_smallest(v: f32) -> u32 {
  let key = order_key(v);
  return select(~key, 0u, key == KEY_NAN);
}

// (key, index) pairs: a beats b.
fn pair_beats(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x > b.x || (a.x == b.x && a.y < b.y);
}
