// Shared by every row kernel (prepended by the host). A row is one (outer, inner) pair of the
// [outer, classes, inner] view of a tensor; its `classes` elements sit `inner` apart.

const NO_POSITION = 0xffffffffu;

// A runtime -inf: WGSL forbids infinite constant expressions, so it comes through a var.
fn neg_inf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

fn pos_inf() -> f32 {
  var bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

fn nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// By bits: SwiftShader's exp/log do not propagate NaN, and a compiler may fold v != v away.
fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// Logits may be f32 (one per u32 word) or packed 16-bit (two per word, low half first): f16
// unpacked by unpack2x16float (no shader-f16 feature needed), bf16 as the high half of an f32.
const DTYPE_F32 = 0u;
const DTYPE_F16 = 1u;
const DTYPE_BF16 = 2u;

fn decode_logit(words_i: u32, word: u32, dtype: u32) -> f32 {
  if (dtype == DTYPE_F32) {
    return bitcast<f32>(word);
  }
  let half_bits = select(word & 0xffffu, word >> 16u, (words_i & 1u) == 1u);
  if (dtype == DTYPE_F16) {
    return unpack2x16float(half_bits).x;
  }
  return bitcast<f32>(half_bits << 16u);
}

// Four packed 16-bit logits (elements 4k..4k+3 = words 2k, 2k+1) as f32s.
fn decode4(w0: u32, w1: u32, dtype: u32) -> vec4<f32> {
  if (dtype == DTYPE_F16) {
    return vec4<f32>(unpack2x16float(w0), unpack2x16float(w1));
  }
  return vec4<f32>(bitcast<f32>(w0 << 16u), bitcast<f32>(w0 & 0xffff0000u), bitcast<f32>(w1 << 16u), bitcast<f32>(w1 & 0xffff0000u));
}

// The u32 word that holds element i.
fn logit_word_index(i: u32, dtype: u32) -> u32 {
  return select(i >> 1u, i, dtype == DTYPE_F32);
}

// Workgroup counts above the per-dimension limit are folded into y by the host.
fn linear_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// Index of element (row, class 0); class c is at row_base + c * inner.
fn row_base(row: u32, classes: u32, inner: u32) -> u32 {
  let o = row / inner;
  return o * classes * inner + (row - o * inner);
}

// Online softmax state: running max m and sum of exp((x - m) * inv_t).
// A NaN or +inf element sets s to NaN (PyTorch's exp(inf - inf) poisons the whole row too), and
// s stays NaN through every update, whatever max() or exp() do with NaN on a given GPU.
struct Online {
  m: f32,
  s: f32,
}

fn online_empty() -> Online {
  return Online(neg_inf(), 0.0);
}

// exp((m_from - m_to) * inv_t) * s, with an empty state (s == 0, m_from == -inf) staying 0 instead of NaN.
fn rescale(s: f32, m_from: f32, m_to: f32, inv_t: f32) -> f32 {
  if (s == 0.0 || m_from == m_to || is_nan(s)) {
    return s;
  }
  return s * exp((m_from - m_to) * inv_t);
}

fn online_add(a: Online, x: f32, inv_t: f32) -> Online {
  if (is_nan(x) || x == pos_inf()) {
    return Online(a.m, nan());
  }
  if (x > a.m) {
    return Online(x, rescale(a.s, a.m, x, inv_t) + 1.0);
  }
  // A -inf x adds exactly 0, also while m is still -inf.
  if (x == neg_inf()) {
    return a;
  }
  return Online(a.m, a.s + exp((x - a.m) * inv_t));
}

fn online_merge(a: Online, b: Online, inv_t: f32) -> Online {
  let m = max(a.m, b.m);
  return Online(m, rescale(a.s, a.m, m, inv_t) + rescale(b.s, b.m, m, inv_t));
}

// A row whose softmax is undefined (a NaN or +inf element, or every element -inf): PyTorch gives NaN.
fn online_undefined(a: Online) -> bool {
  return is_nan(a.s) || a.s == 0.0;
}

// Weighted sum of gaps to the running max, D = sum_c w_c * (m - x_c), kept alongside the online
// state so that sum_c w_c * (lse - x_c) = D + W * log(s) comes out of the same single pass
// (label smoothing, probability targets). Shifting by m keeps the digits at |logit| ~ 1e4.
struct Gaps {
  w: f32,
  d: f32,
}

// (m_to - m_from) * w, for re-basing D when the max moves; 0 while nothing has been added.
fn gap_shift(w: f32, m_from: f32, m_to: f32) -> f32 {
  if (w == 0.0 || m_from == m_to) {
    return 0.0;
  }
  return (m_to - m_from) * w;
}

// w * (m - x) with PyTorch's -inf rules: a masked class costs +inf (or NaN when its weight is 0).
fn weighted_gap(w: f32, m: f32, x: f32) -> f32 {
  if (x == neg_inf()) {
    if (w == 0.0) {
      return nan();
    }
    return w * pos_inf();
  }
  return w * (m - x);
}

// A NaN or +inf among four values (either poisons a softmax row).
fn poisons4(v: vec4<f32>) -> bool {
  let bits = bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu);
  return any(bits > vec4<u32>(0x7f800000u)) || any(v == vec4<f32>(pos_inf()));
}

fn max4(v: vec4<f32>) -> f32 {
  return max(max(v.x, v.y), max(v.z, v.w));
}

fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
