// @use numbers, status-label
// 'mean' / 'sum' of per-position losses in one workgroup, deterministically: each thread sums a
// fixed contiguous chunk (Kahan-compensated), then a fixed-order tree. Same bits every run.
// MODE_SUM: scale * sum(loss); MODE_MEAN_BY_DENOMINATOR: scale * sum(loss) / sum(denom) (weighted
// means); MODE_MEAN_BY_COUNT: scale * sum(loss) / count. A zero denominator (no positions, or
// every target ignored) gives NaN, as PyTorch does. With CHECK_LABELS, the label-status step is
// folded in (see label-status.wgsl): one dispatch fewer.

var<workgroup> red_l: array<f32, WG>;
var<workgroup> red_d: array<f32, WG>;

// a / b as IEEE 754 (and PyTorch) define it: ±inf for a nonzero a over 0 (weights summing to 0),
// NaN for 0 / 0 (no positions, or every target ignored). WGSL leaves x / 0 to the implementation.
fn ieee_divide(a: f32, b: f32) -> f32 {
  var q = a / b;
  if (b == 0.0) {
    let sign = (bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u;
    q = select(bitcast<f32>(0x7f800000u | sign), nan(), a == 0.0 || is_nan(a));
  }
  return q;
}

struct Kahan {
  sum: f32,
  comp: f32,
}

fn kahan_add(k: Kahan, v: f32) -> Kahan {
  let y = v - k.comp;
  let t = k.sum + y;
  return Kahan(t, (t - k.sum) - y);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let chunk = (params.count + WG - 1u) / WG;
  let start = lid * chunk;
  let end = min(start + chunk, params.count);
  var l = Kahan(0.0, 0.0);
  var d = Kahan(0.0, 0.0);
  for (var i = start; i < end; i++) {
    l = kahan_add(l, loss[i]);
    if (MODE == MODE_MEAN_BY_DENOMINATOR) {
      d = kahan_add(d, denom[i]);
    }
  }
  red_l[lid] = l.sum;
  red_d[lid] = d.sum;
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lid < stride) {
      red_l[lid] += red_l[lid + stride];
      red_d[lid] += red_d[lid + stride];
    }
  }
  if (lid == 0u) {
    var result = red_l[0] * params.scale;
    var divisor = 1.0;
    if (MODE == MODE_MEAN_BY_DENOMINATOR) {
      divisor = red_d[0];
    } else if (MODE == MODE_MEAN_BY_COUNT) {
      divisor = f32(params.count);
    }
    out[0] = ieee_divide(result, divisor);
    divisor_out[0] = divisor;
    if (CHECK_LABELS) {
      copy_bad_label();
    }
  }
}
