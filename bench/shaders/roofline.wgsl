// The roofline: the least work that touches every byte. Each workgroup owns a contiguous block of
// VEC_PER_GROUP vec4s; lanes read it interleaved (coalesced). COPY writes every vec4 back out
// (softmax's floor: one read, one write); otherwise each lane keeps a sum and writes it once, so
// the reads cannot be optimised away. EXP makes it a compute floor: one exp per element, of
// x − shift (a uniform, so nothing folds), summed (read+exp: cross-entropy's floor) or written
// (copy+exp: softmax's and the gradient's).

struct Params {
  groups: u32,
  vec_count: u32,
  shift: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

override WG: u32 = 64u;
override VEC_PER_GROUP: u32 = 1024u;
override COPY: bool = false;
override EXP: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  if (group >= params.groups) {
    return;
  }
  let start = group * VEC_PER_GROUP;
  let end = min(start + VEC_PER_GROUP, params.vec_count);
  var acc = vec4<f32>(0.0);
  for (var i = start + lid; i < end; i += WG) {
    var v = src[i];
    if (EXP) {
      v = exp(v - params.shift);
    }
    if (COPY) {
      dst[i] = v;
    } else {
      acc += v;
    }
  }
  if (!COPY) {
    dst[group * WG + lid] = acc;
  }
}
