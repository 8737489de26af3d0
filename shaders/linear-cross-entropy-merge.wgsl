// @use dispatch, row-state, class-target, class-weight
// linearCrossEntropy, after the tile passes: a thread per row folds the row's group states in
// group order (the same bits every run) and finishes the row as the cross-entropy row pass does
// (row-state.wgsl's class_index_loss, with the target logit the tile pass picked up). Writes the
// row's loss and share of the mean's denominator, (m, log s, W, 0) for the gradient pass, and the
// first bad label's position to `status`. Ignored rows cost 0; bad rows NaN; rows whose softmax is
// undefined (a NaN or +inf logit) NaN.

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = linear_group(wid, nwg) * 64u + lid;
  if (n < params.rows) {
    let ct = class_target(targets[n], params.ignore_index, params.classes);
    if (ct.bad) {
      atomicMin(&status[0], n);
    }
    var loss = 0.0;
    var denom = 0.0;
    var stats = vec4<f32>(0.0);
    if (!ct.ignored && !ct.bad) {
      var acc = empty_state();
      for (var k = 0u; k < params.groups_total; k++) {
        acc = merge(acc, from_vec4(partials[k * params.rows + n]));
      }
      let undefined_row = online_undefined(acc.on);
      let log_s = log(acc.on.s);
      let lse = acc.on.m + log_s;
      let w_t = class_weight(ct.index);
      stats = vec4<f32>(select(acc.on.m, nan(), undefined_row), log_s, acc.gaps.w, 0.0);
      loss = select(class_index_loss(acc, target_logit[n], w_t, log_s, lse), nan(), undefined_row);
      denom = w_t;
    }
    row_loss[n] = select(loss, nan(), ct.bad);
    row_denom[n] = select(denom, 1.0, ct.bad);
    row_stats[n] = stats;
  }
}
