// @use numbers, status-label, kahan, ordered-sums
// 'mean' / 'sum' of per-position losses, deterministically: each of WG threads sums a fixed
// contiguous chunk (Kahan-compensated), then a fixed-order tree. Same bits every run.
// MODE_SUM: scale * sum(loss); MODE_MEAN_BY_DENOMINATOR: scale * sum(loss) / sum(denom) (weighted
// means); MODE_MEAN_BY_COUNT: scale * sum(loss) / total; MODE_MEAN_BY_DIVISOR: scale * sum(loss) /
// denom[0], a divisor summed before (cross-entropy-labels.wgsl, for the fused gradient). A zero
// denominator divides as PyTorch does:
// NaN when nothing is left (no positions, or every target ignored), ±inf when weights sum to 0.
// With CHECK_LABELS, the label-status step is folded in (see label-status.wgsl): one dispatch fewer.
// Losses larger than one binding: `partial` sums each binding-sized part into partials[2 part],
// partials[2 part + 1] (loss, denominator); `combine` then sums the parts in order and finishes.

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

// Element i's terms: its loss and (weighted means) its denominator.
fn sum_pair(i: u32) -> vec2<f32> {
  var d = 0.0;
  if (MODE == MODE_MEAN_BY_DENOMINATOR) {
    d = denom[i];
  }
  return vec2<f32>(loss[i], d);
}

// (sum of loss, sum of denom) over the params.count bound elements, in every thread's hands.
fn sums(lid: u32) -> vec2<f32> {
  return ordered_sums(lid, params.count);
}

fn finish(total_loss: f32, total_denom: f32) {
  var divisor = 1.0;
  if (MODE == MODE_MEAN_BY_DENOMINATOR) {
    divisor = total_denom;
  } else if (MODE == MODE_MEAN_BY_COUNT) {
    divisor = f32(params.total);
  } else if (MODE == MODE_MEAN_BY_DIVISOR) {
    divisor = denom[0];
  }
  out[0] = ieee_divide(total_loss * params.scale, divisor);
  divisor_out[0] = divisor;
  if (CHECK_LABELS) {
    copy_bad_label();
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let s = sums(lid);
  if (lid == 0u) {
    finish(s.x, s.y);
  }
}

@compute @workgroup_size(WG)
fn partial(@builtin(local_invocation_index) lid: u32) {
  let s = sums(lid);
  if (lid == 0u) {
    partials[2u * params.part] = s.x;
    partials[2u * params.part + 1u] = s.y;
  }
}

// One thread sums the parts' (loss, denominator) in order (params.count parts).
@compute @workgroup_size(1)
fn combine() {
  var l = Kahan(0.0, 0.0);
  var d = Kahan(0.0, 0.0);
  for (var k = 0u; k < params.count; k++) {
    l = kahan_add(l, partials[2u * k]);
    d = kahan_add(d, partials[2u * k + 1u]);
  }
  finish(l.sum, d.sum);
}
