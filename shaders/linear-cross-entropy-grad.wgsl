// @use dispatch, tile-matmul, linear-logits
// d(loss)/d(logits) of linearCrossEntropy for one (row chunk, V slab), written to the slab buffer
// G[row][jl] (row stride out_stride): each 64 × 64 tile of logits is made again
// (tile-matmul.wgsl) and turned into the cross-entropy gradient there, as cross-entropy-grad.wgsl
// does for stored logits: with p = exp((z - m) - log s) from the merge pass's row statistics,
//   g = ((1 - eps) w_t + eps / C W + 2 z_loss w_t lse) p - (1 - eps) w_t [v == t] - eps / C w_v
// times scale / D for 'mean', and the softcap's slope. Ignored rows get 0, bad ones NaN, rows
// whose softmax is undefined NaN. The matmul kernel then makes the hidden and classifier
// gradients from G (never more than one slab of it exists). main_filtered: see there.

struct RowGrad {
  m: f32,
  log_s: f32,
  p_coef: f32,
  w_t: f32,
  t: u32,
  zero: bool,
  poison: bool,
}

fn row_grad(row: u32) -> RowGrad {
  var r = RowGrad(0.0, 0.0, 0.0, 0.0, NO_POSITION, true, false);
  if (row < params.rows) {
    let n = params.row_offset + row;
    let ct = class_target(targets[n], params.ignore_index, params.classes);
    let stats = row_stats[n];
    r.m = stats.x;
    r.log_s = stats.y;
    r.zero = ct.ignored || ct.bad;
    r.poison = ct.bad || (!r.zero && is_nan(stats.x));
    if (!r.zero) {
      r.t = ct.index;
      r.w_t = class_weight(ct.index);
      r.p_coef = r.w_t;
      if (SMOOTHING) {
        r.p_coef = (1.0 - params.smoothing) * r.w_t + params.smoothing / f32(params.classes) * stats.z;
      }
      if (Z_LOSS) {
        r.p_coef += 2.0 * params.z_loss * r.w_t * (stats.x + stats.y);
      }
    }
  }
  return r;
}

// The gradient at (row i + q, class j + c) of this thread's block, from the row's terms.
fn grad_at(r: RowGrad, acc: Block, q: u32, c: u32, jl: u32, factor: f32) -> f32 {
  let v = params.class_offset + jl;
  let z = linear_logit(block_at(acc, q, c), jl);
  var gv = r.p_coef * exp((z - r.m) - r.log_s);
  if (v == r.t) {
    gv -= (1.0 - params.smoothing) * r.w_t;
  }
  if (SMOOTHING) {
    gv -= params.smoothing / f32(params.classes) * class_weight(v);
  }
  gv *= factor;
  if (SOFTCAP) {
    gv *= soft_cap_slope(z, params.softcap);
  }
  gv = select(gv, 0.0, r.zero);
  return select(gv, nan(), r.poison);
}

fn mean_factor() -> f32 {
  var factor = params.scale;
  if (MEAN) {
    factor /= divisor[0];
  }
  return factor;
}

// The tile of workgroup g: its first row and class.
fn tile_origin(g: u32) -> vec2<u32> {
  return vec2<u32>((g % params.row_tiles) * TILE, (g / params.row_tiles) * TILE);
}

// This thread's 8 × 8 block of G in workgroup g's tile (0 outside the slab).
fn block_grads(g: u32, lid: u32) -> array<f32, 64> {
  let o = tile_origin(g);
  let acc = tile_product(o.x, o.y, params.rows, params.slab_classes, params.hidden, lid);
  let factor = mean_factor();
  let i = o.x + block_row(lid);
  let j = o.y + block_col(lid);
  var values: array<f32, 64>;
  for (var q = 0u; q < BLOCK; q++) {
    let r = row_grad(i + q);
    for (var c = 0u; c < BLOCK; c++) {
      if (i + q < params.rows && j + c < params.slab_classes) {
        values[q * BLOCK + c] = grad_at(r, acc, q, c, j + c, factor);
      }
    }
  }
  return values;
}

// Writes the block to the slab (all zeros unless `keep`).
fn store_grads(values: array<f32, 64>, g: u32, lid: u32, keep: bool) {
  let o = tile_origin(g);
  let i = o.x + block_row(lid);
  let j = o.y + block_col(lid);
  for (var q = 0u; q < BLOCK; q++) {
    for (var c = 0u; c < BLOCK; c++) {
      if (i + q < params.rows && j + c < params.slab_classes) {
        out[params.out_offset + (i + q) * params.out_stride + j + c] = select(0.0, values[q * BLOCK + c], keep);
      }
    }
  }
}

@compute @workgroup_size(TILE_THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = linear_group(wid, nwg);
  if (g < params.groups) {
    store_grads(block_grads(g, lid), g, lid, true);
  }
}

var<workgroup> any_kept: atomic<u32>;
var<workgroup> tile_kept: u32;

// With gradient filtering (Cut Cross-Entropy's): a tile whose every |g| is below grad_filter is
// stored as 0 and flagged 0.0 at out[flag_offset + g] (1.0: kept), where the products read it
// (matmul.wgsl's main_filtered) and skip the tile. NaN is never below.
@compute @workgroup_size(TILE_THREADS)
fn main_filtered(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = linear_group(wid, nwg);
  if (g < params.groups) {
    let values = block_grads(g, lid);
    var kept = false;
    for (var k = 0u; k < 64u; k++) {
      kept = kept || !(abs(values[k]) < params.grad_filter);
    }
    if (kept) {
      atomicOr(&any_kept, 1u);
    }
    workgroupBarrier();
    if (lid == 0u) {
      tile_kept = atomicLoad(&any_kept);
      out[params.flag_offset + g] = select(0.0, 1.0, tile_kept != 0u);
    }
    store_grads(values, g, lid, workgroupUniformLoad(&tile_kept) != 0u);
  }
}
