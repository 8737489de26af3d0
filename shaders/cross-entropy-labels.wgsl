// @use numbers, class-target, class-weight, kahan
// Before the fused crossEntropyWithGrad pass, from the targets alone (one workgroup): the mean's
// divisor D = Σ w_t over the positions not ignored (a bad label counts 1: its loss is NaN anyway;
// probability targets: the number of positions), summed as reduce-loss.wgsl sums denominators (WG
// contiguous chunks, Kahan-compensated, then a fixed tree), and, with CHECK_LABELS, the first bad
// class index and its label in status[0], status[1] (label-check.ts): the fused pass then needs
// neither the denominators nor the status words.

var<workgroup> red_d: array<f32, WG>;
var<workgroup> red_bad: array<u32, WG>;

// Position i's share of the divisor, and whether its label is bad.
struct Share {
  w: f32,
  bad: bool,
}

fn share(i: u32) -> Share {
  var r = Share(1.0, false);
  if (!PROB_TARGET) {
    let ct = class_target(targets[i], params.ignore_index, params.classes);
    r = Share(select(select(class_weight(ct.index), 0.0, ct.ignored), 1.0, ct.bad), ct.bad);
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let chunk = (params.rows + WG - 1u) / WG;
  let start = lid * chunk;
  let end = min(start + chunk, params.rows);
  var d = Kahan(0.0, 0.0);
  var first_bad = NO_POSITION;
  for (var i = start; i < end; i++) {
    let s = share(i);
    d = kahan_add(d, s.w);
    first_bad = select(first_bad, min(first_bad, i), s.bad);
  }
  red_d[lid] = d.sum;
  red_bad[lid] = first_bad;
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    workgroupBarrier();
    if (lid < stride) {
      red_d[lid] += red_d[lid + stride];
      red_bad[lid] = min(red_bad[lid], red_bad[lid + stride]);
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    divisor[0] = red_d[0];
    if (CHECK_LABELS && red_bad[0] != NO_POSITION) {
      status[0] = red_bad[0];
      status[1] = targets[red_bad[0]];
    }
  }
}
