// Elementwise losses, one value per position (reduced afterwards by reduce-loss.wgsl).
//   BCE:            -w * (y * max(log p, -100) + (1 - y) * max(log(1 - p), -100))       (torch)
//   BCE_LOGITS:      w * ((1 - y) * x + (1 + (pw - 1) * y) * softplus(-x))              (torch, stable)
//   KL:              xlogy(y, y) - y * x                                                (torch kl_div)
//   KL_LOG_TARGET:   exp(y) * (y - x)
//   KERAS_BCE:      -(y' log q + (1 - y') log(1 - q)), q = clip(p, eps, 1 - eps), y' smoothed
//   KERAS_BCE_LOGITS: max(x, 0) - x * y' + log1p(exp(-|x|))
// Weights broadcast over trailing dims: weight[i % weight_size], pos_weight[i % pos_weight_size].

const BCE = 0u;
const BCE_LOGITS = 1u;
const KL = 2u;
const KL_LOG_TARGET = 3u;
const KERAS_BCE = 4u;
const KERAS_BCE_LOGITS = 5u;

struct Params {
  groups: u32,
  size: u32,
  weight_size: u32,
  pos_weight_size: u32,
  eps: f32,
  smoothing: f32,
  // A tensor bound in slices: the slice's first element within the bound ranges (x, y, loss) and
  // its index among all elements (for the weights' broadcast).
  x_offset: u32,
  first: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> pos_weight: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;

override WG: u32 = 64u;
override PER_THREAD: u32 = 4u;
override KIND: u32 = 0u;
override HAS_WEIGHT: bool = false;
override HAS_POS_WEIGHT: bool = false;

// log(1 + u) for u in [0, 1], accurate when u is tiny (WGSL has no log1p).
fn log1p_small(u: f32) -> f32 {
  if (u < 1e-4) {
    return u * (1.0 - u * (0.5 - u / 3.0));
  }
  return log(1.0 + u);
}

// log with log(0) = -inf: SwiftShader's log(0) is about -88 (the log of its smallest normal).
fn log_exact_zero(v: f32) -> f32 {
  if (v == 0.0) {
    return neg_inf();
  }
  return log(v);
}

// softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)), finite for every finite x.
fn softplus_neg(v: f32) -> f32 {
  return max(-v, 0.0) + log1p_small(exp(-abs(v)));
}

fn pointwise(local: u32) -> f32 {
  let i = local + params.x_offset;
  let global = local + params.first;
  let v = x[i];
  var t = y[i];
  if (KIND == KERAS_BCE || KIND == KERAS_BCE_LOGITS) {
    t = t * (1.0 - params.smoothing) + 0.5 * params.smoothing;
  }
  var l = 0.0;
  switch KIND {
    case BCE: {
      // Outside [0, 1] log is NaN (PyTorch refuses such input); never a quiet clamp to -100.
      if (v < 0.0 || v > 1.0) {
        l = nan();
      } else {
        l = -(t * max(log_exact_zero(v), -100.0) + (1.0 - t) * max(log_exact_zero(1.0 - v), -100.0));
      }
    }
    case BCE_LOGITS: {
      var lw = 1.0;
      if (HAS_POS_WEIGHT) {
        lw = 1.0 + (pos_weight[global % params.pos_weight_size] - 1.0) * t;
      }
      l = (1.0 - t) * v + lw * softplus_neg(v);
    }
    case KL: {
      if (t == 0.0) {
        // xlogy(0, 0) = 0, but 0 * -inf is NaN in PyTorch too.
        l = select(0.0, nan(), v == neg_inf());
      } else if (t < 0.0) {
        l = nan();
      } else {
        l = t * log(t) - t * v;
      }
    }
    case KL_LOG_TARGET: {
      l = exp(t) * (t - v);
      if (t == neg_inf()) {
        l = nan();
      }
    }
    case KERAS_BCE: {
      let q = clamp(v, params.eps, 1.0 - params.eps);
      l = -(t * log(q) + (1.0 - t) * log(1.0 - q));
    }
    default: {
      l = max(v, 0.0) - v * t + log1p_small(exp(-abs(v)));
    }
  }
  if (is_nan(v) || is_nan(t)) {
    l = nan();
  }
  if (HAS_WEIGHT) {
    l *= weight[global % params.weight_size];
  }
  return l;
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
      loss[i + params.x_offset] = pointwise(i);
    }
  }
}
