// 'mean' / 'sum' of per-position losses in one workgroup, deterministically: each thread sums a
// fixed contiguous chunk (Kahan-compensated), then a fixed-order tree. Same bits every run.
// MODE_SUM: scale * sum(loss); MODE_MEAN_DENOM: scale * sum(loss) / sum(denom) (weighted means);
// MODE_MEAN_COUNT: scale * sum(loss) / count. A zero denominator (no positions, or every target
// ignored) gives NaN, as PyTorch does.

const MODE_SUM = 0u;
const MODE_MEAN_DENOM = 1u;
const MODE_MEAN_COUNT = 2u;

struct Params {
  groups: u32,
  count: u32,
  mode: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> loss: array<f32>;
@group(0) @binding(2) var<storage, read> denom: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
// The divisor used (1 for sums), for a gradient pass that must scale the same way.
@group(0) @binding(4) var<storage, read_write> divisor_out: array<f32>;
// With CHECK_LABELS, the label-status step folded in (see label-status.wgsl): one dispatch fewer.
@group(0) @binding(5) var<storage, read> targets: array<u32>;
@group(0) @binding(6) var<storage, read_write> status: array<u32>;

override WG: u32 = 64u;
override CHECK_LABELS: bool = false;

var<workgroup> red_l: array<f32, WG>;
var<workgroup> red_d: array<f32, WG>;

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
    if (params.mode == MODE_MEAN_DENOM) {
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
    if (params.mode == MODE_MEAN_DENOM) {
      divisor = red_d[0];
    } else if (params.mode == MODE_MEAN_COUNT) {
      divisor = f32(params.count);
    }
    out[0] = select(result / divisor, nan(), divisor == 0.0);
    divisor_out[0] = divisor;
    if (CHECK_LABELS) {
      let pos = status[0];
      if (pos != NO_POSITION) {
        status[1] = targets[pos];
      }
    }
  }
}
