// d(loss)/d(logits) for cross-entropy, elementwise, after the row pass wrote (lse, W) per row and
// the reduction wrote the mean's divisor D. With z = softcap(x) and p = exp(z - lse):
//   class index t:  g = (1 - eps) w_t (p - [c == t]) + eps / C (W p - w_c) + 2 z_loss w_t lse p
//   probabilities:  g = W p - w_c q_c + 2 z_loss lse p,  q = (1 - eps) y + eps / C, W = sum w_c q_c
// times scale (1 / ln base) / D for 'mean', and (1 - (z / softcap)^2) through the softcap.
// Ignored (and bad) positions get 0. IN_PLACE writes the gradient over the logits.

struct Params {
  groups: u32,
  size: u32,
  classes: u32,
  inner: u32,
  ignore_index: i32,
  smoothing: f32,
  scale: f32,
  softcap: f32,
  z_loss: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> row_stats: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read> divisor: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad: array<f32>;

override WG: u32 = 64u;
override PER_THREAD: u32 = 4u;
override PROB_TARGET: bool = false;
override HAS_WEIGHT: bool = false;
override SMOOTHING: bool = false;
override TARGET_UNSIGNED: bool = false;
override SOFTCAP: bool = false;
override Z_LOSS: bool = false;
override MEAN: bool = false;
override IN_PLACE: bool = false;

fn class_weight(c: u32) -> f32 {
  if (HAS_WEIGHT) {
    return weight[c];
  }
  return 1.0;
}

fn gradient(i: u32) -> f32 {
  let classes = params.classes;
  let inner = params.inner;
  let oc = i / inner;
  let c = oc % classes;
  let row = (oc / classes) * inner + (i - oc * inner);
  var z = x[i];
  if (SOFTCAP) {
    z = params.softcap * tanh(z / params.softcap);
  }
  let stats = row_stats[row];
  let lse = stats.x;
  let p = exp(z - lse);
  var g = 0.0;
  var w_t = 1.0;
  if (PROB_TARGET) {
    let y = bitcast<f32>(targets[i]);
    let q = select(y, y * (1.0 - params.smoothing) + params.smoothing / f32(classes), SMOOTHING);
    g = stats.y * p - class_weight(c) * q;
  } else {
    let raw = targets[row];
    let signed = bitcast<i32>(raw);
    let ignored = select(signed == params.ignore_index, raw == bitcast<u32>(params.ignore_index), TARGET_UNSIGNED);
    let bad = (!TARGET_UNSIGNED && signed < 0) || raw >= classes;
    if (ignored || bad) {
      return 0.0;
    }
    w_t = class_weight(raw);
    g = w_t * (p - select(0.0, 1.0, c == raw));
    if (SMOOTHING) {
      g = (1.0 - params.smoothing) * g + params.smoothing / f32(classes) * (stats.y * p - class_weight(c));
    }
  }
  if (Z_LOSS) {
    g += 2.0 * params.z_loss * w_t * lse * p;
  }
  g *= params.scale;
  if (MEAN) {
    g /= divisor[0];
  }
  if (SOFTCAP) {
    let u = z / params.softcap;
    g *= 1.0 - u * u;
  }
  return g;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let group = linear_group(wid, nwg);
  if (group >= params.groups) {
    return;
  }
  let start = group * WG * PER_THREAD + lid;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = start + k * WG;
    if (i < params.size) {
      let g = gradient(i);
      if (IN_PLACE) {
        x[i] = g;
      } else {
        grad[i] = g;
      }
    }
  }
}
