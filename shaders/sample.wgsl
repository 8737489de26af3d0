// @use logits, dispatch, chunks, order-keys, radix-select, workgroup-scan, philox, online-softmax
// The LLM sampler (src/ops/sample.ts), one workgroup per row, sorting-free. The processed logit v
// of class c is the logit after the history penalties (HISTORY: written to `scratch` first), the bias
// and the allowed mask; the temperature scales v − max v (never v alone, which could overflow).
// Then, each on the survivors of the one before: top-k (the k-th largest key by radix selection,
// ties kept), top-p (the largest key whose keys-at-or-above mass reaches p of the total), min-p
// (e ≥ minP·e_max, e_max = 1). Probability masses are fixed-point integers, e·2⁴⁰ (e ≤ 1, so a
// row of 2¹⁸ classes sums below 2⁵⁸): exact sums in any order, so the token does not depend on the
// plan. The draw: target ⌊S·u⌋ with u = (philox >>> 8)·2⁻²⁴; the token is the smallest class whose
// prefix mass (vocabulary order, each thread a contiguous chunk placed by a prefix sum) exceeds it.
// A failing row (NaN or +inf processed logit, nothing allowed, a history token out of range)
// records row · 4 + reason in status[0] (the first such row wins), writes token −1 and NaN
// log-probabilities; its loops run empty rather than return (barriers follow).

const BAD_LOGIT = 1u;
const NO_TOKEN = 2u;
const BAD_HISTORY = 3u;

var<private> row_id: u32;
var<private> x_base: u32;
// The row's largest processed logit (unscaled), and the filters' thresholds so far.
var<private> v_max: f32;
var<private> topk_key: u32;
var<private> topp_key: u32;
var<private> with_min_p: bool;

var<workgroup> history_failed: atomic<u32>;
var<workgroup> best_slots: array<vec4<u32>, WG>;
var<workgroup> online_slots: array<vec2<f32>, WG>;
var<workgroup> drawn: u32;

// The processed logit of class c, before the temperature.
fn processed(c: u32) -> f32 {
  var v = 0.0;
  if (HISTORY) {
    v = bitcast<f32>(scratch[params.y_offset + row_id * params.classes + c]);
  } else {
    v = x_at(x_base + c);
  }
  if (BIAS) {
    v += bias[params.bias_offset + row_id * params.bias_stride + c];
  }
  if (ALLOWED) {
    let word = allowed[params.allowed_offset + row_id * params.words + (c >> 5u)];
    v = select(neg_inf(), v, ((word >> (c & 31u)) & 1u) == 1u);
  }
  return v;
}

// exp((v − v_max) / T): the unnormalised probability.
fn weight(v: f32) -> f32 {
  return exp((v - v_max) * params.inv_temp);
}

fn fixed_mass(e: f32) -> vec2<u32> {
  let scaled = e * 256.0;
  let whole = floor(scaled);
  // Both parts exact: the fraction of an f32 is an f32, and its 32 bits fit below 2³².
  return vec2<u32>(u32((scaled - whole) * 4294967296.0), u32(whole));
}

fn kept(v: f32, e: f32) -> bool {
  let key = order_key(v);
  return v != neg_inf() && key >= topk_key && key >= topp_key && (!with_min_p || e >= params.min_p);
}

// Class c's mass if the filters so far keep it, else 0.
fn kept_mass(c: u32) -> vec2<u32> {
  let v = processed(c);
  let e = weight(v);
  return select(vec2<u32>(0u), fixed_mass(e), kept(v, e));
}

fn select_key(c: u32) -> u32 {
  return order_key(processed(c));
}

fn select_mass(c: u32) -> vec2<u32> {
  return kept_mass(c);
}

// The workgroup's best (key, index) pair, with flags OR-ed (z, w); every thread gets it.
fn workgroup_best(lid: u32, mine: vec4<u32>) -> vec4<u32> {
  best_slots[lid] = mine;
  workgroupBarrier();
  if (lid == 0u) {
    var acc = mine;
    for (var i = 1u; i < WG; i++) {
      let b = best_slots[i];
      let flags = acc.zw | b.zw;
      acc = select(acc, b, pair_beats(b.xy, acc.xy));
      acc = vec4<u32>(acc.xy, flags);
    }
    best_slots[0] = acc;
  }
  workgroupBarrier();
  let out = best_slots[0];
  workgroupBarrier();
  return out;
}

// The workgroup's log-sum-exp state (max, Σ exp(x − max)); every thread gets it.
fn workgroup_online(lid: u32, mine: Online) -> Online {
  online_slots[lid] = vec2<f32>(mine.m, mine.s);
  workgroupBarrier();
  if (lid == 0u) {
    var acc = mine;
    for (var i = 1u; i < WG; i++) {
      let o = online_slots[i];
      acc = online_merge(acc, Online(o.x, o.y), 1.0);
    }
    online_slots[0] = vec2<f32>(acc.m, acc.s);
  }
  workgroupBarrier();
  let out = online_slots[0];
  workgroupBarrier();
  return Online(out.x, out.y);
}

// HISTORY: scratch = the row's logits with the penalties of the tokens seen (f32 bits). The first occurrence of
// a token applies them (so each token once), after counting its occurrences.
fn penalize(lid: u32, row: u32, n: u32) {
  for (var c = lid; c < n; c += WG) {
    scratch[params.y_offset + row * params.classes + c] = bitcast<u32>(x_at(x_base + c));
  }
  storageBarrier();
  let len = select(0u, params.hist_len, n > 0u);
  let first = params.hist_offset + row * params.hist_len;
  for (var j = lid; j < len; j += WG) {
    let t = history[first + j];
    if (t != -1) {
      if (t < 0 || u32(t) >= params.classes) {
        // The flat position in the whole history (rows of earlier slices included).
        atomicMin(&status[1], (params.first_row + row) * params.hist_len + j);
        atomicOr(&history_failed, 1u);
      } else {
        var earlier = false;
        var count = 0u;
        for (var i = 0u; i < len; i++) {
          let same = history[first + i] == t;
          count += select(0u, 1u, same);
          earlier = earlier || (same && i < j);
        }
        if (!earlier) {
          let at = params.y_offset + row * params.classes + u32(t);
          var v = bitcast<f32>(scratch[at]);
          if (params.repetition_penalty != 1.0) {
            v = select(v * params.repetition_penalty, v / params.repetition_penalty, v > 0.0);
          }
          scratch[at] = bitcast<u32>(v - (params.presence_penalty + params.frequency_penalty * f32(count)));
        }
      }
    }
  }
  storageBarrier();
}

// The sum of the masses the filters keep: each thread's contiguous chunk, and the workgroup's scan.
fn chunk_mass(c0: u32, c1: u32) -> vec2<u32> {
  var s = vec2<u32>(0u);
  for (var c = c0; c < c1; c++) {
    s = u64_add(s, kept_mass(c));
  }
  return s;
}

// The draw's last step: every thread holds a contiguous chunk [c0, c1) of mass `mine` starting at
// prefix `start`; the one whose chunk holds the goal (starts at or below it, ends above it) walks
// it to the first class whose prefix exceeds the goal. Every thread gets that class (all of the
// workgroup calls it: barriers).
fn draw_in_chunks(lid: u32, c0: u32, c1: u32, start: vec2<u32>, mine: vec2<u32>, goal: vec2<u32>) -> u32 {
  if (lid == 0u) {
    drawn = 0xffffffffu;
  }
  workgroupBarrier();
  if (c1 > c0 && !u64_gt(start, goal) && u64_gt(u64_add(start, mine), goal)) {
    var prefix = start;
    for (var c = c0; c < c1; c++) {
      prefix = u64_add(prefix, kept_mass(c));
      if (u64_gt(prefix, goal)) {
        drawn = c;
        break;
      }
    }
  }
  workgroupBarrier();
  return drawn;
}

// The log-probability source of the top alternatives: the raw logits, or the kept processed ones.
fn source_key(c: u32) -> u32 {
  var key = 0u;
  if (PROCESSED) {
    let v = processed(c);
    key = select(order_key(neg_inf()), order_key(v), GREEDY || kept(v, weight(v)));
  } else {
    key = order_key(x_at(x_base + c));
  }
  return key;
}

// log p of class c under the source distribution, whose log-normaliser is `log_norm`.
fn source_logprob(c: u32, log_norm: Online) -> f32 {
  var lp = 0.0;
  if (PROCESSED && !GREEDY) {
    let v = processed(c);
    lp = select(neg_inf(), (v - v_max) * params.inv_temp - log_norm.s, kept(v, weight(v)));
  } else {
    var v = 0.0;
    if (PROCESSED) {
      v = processed(c);
    } else {
      v = x_at(x_base + c);
    }
    lp = v - log_norm.m - log(log_norm.s);
  }
  return lp;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = linear_group(wid, nwg);
  let n_row = select(0u, params.classes, row < params.rows);
  row_id = row;
  x_base = row * params.classes + params.x_offset;
  topk_key = 0u;
  topp_key = 0u;
  with_min_p = false;
  v_max = 0.0;
  if (HISTORY) {
    penalize(lid, row, n_row);
  }

  // The row's argmax (the greedy token and v_max), and whether it can be sampled at all.
  var best = vec4<u32>(0u, 0xffffffffu, 0u, 0u);
  for (var c = lid; c < n_row; c += WG) {
    let v = processed(c);
    let pair = vec2<u32>(order_key(v), c);
    if (pair_beats(pair, best.xy)) {
      best = vec4<u32>(pair, best.zw);
    }
    best.z |= select(0u, 1u, is_nan(v) || v == pos_inf());
    best.w |= select(0u, 1u, v != neg_inf());
  }
  best = workgroup_best(lid, best);
  var reason = 0u;
  if (atomicLoad(&history_failed) != 0u) {
    reason = BAD_HISTORY;
  } else if (best.z != 0u) {
    reason = BAD_LOGIT;
  } else if (best.w == 0u) {
    reason = NO_TOKEN;
  }
  let n = select(n_row, 0u, reason != 0u);
  if (n > 0u) {
    v_max = processed(best.y);
  }

  var token = best.y;
  var total = vec2<u32>(0u);
  if (!GREEDY) {
    if (params.top_k != 0u) {
      topk_key = radix_select(lid, n, vec2<u32>(params.top_k, 0u), false).key;
    }
    let chunk = (n + WG - 1u) / WG;
    let c0 = min(n, lid * chunk);
    let c1 = min(n, c0 + chunk);
    if (params.top_p24 < 0x1000000u) {
      let kept_total = workgroup_scan(lid, vec4<u32>(chunk_mass(c0, c1), 0u, 0u)).total.xy;
      var goal = u64_mul_shr24(kept_total, params.top_p24);
      if (goal.x == 0u && goal.y == 0u) {
        goal = vec2<u32>(1u, 0u);
      }
      topp_key = radix_select(lid, n, goal, true).key;
    }
    with_min_p = params.min_p > 0.0;
    let mine = chunk_mass(c0, c1);
    let scan = workgroup_scan(lid, vec4<u32>(mine, 0u, 0u));
    total = scan.total.xy;
    let u24 = philox4x32(vec4<u32>(params.step, params.first_row + row, 0u, 0u), vec2<u32>(params.seed_lo, params.seed_hi)).x >> 8u;
    let goal = u64_mul_shr24(total, u24);
    token = draw_in_chunks(lid, c0, c1, scan.before.xy, mine, goal);
  }

  if (LOGPROBS) {
    // The source distribution's normaliser: (max, Σ exp(· − max)), or, for the kept processed
    // logits of a sampled row, log Σ e (from the exact mass total) in .s.
    var norm = online_empty();
    if (PROCESSED && !GREEDY) {
      norm = Online(0.0, log(u64_to_f32(total)) - 40.0 * log(2.0));
    } else {
      var mine = online_empty();
      for (var c = lid; c < n; c += WG) {
        var v = 0.0;
        if (PROCESSED) {
          v = processed(c);
        } else {
          v = x_at(x_base + c);
        }
        mine = online_add(mine, v, 1.0);
      }
      norm = workgroup_online(lid, mine);
    }
    if (lid == 0u && row < params.rows) {
      logprobs_out[row] = bitcast<u32>(select(nan(), source_logprob(token, norm), n > 0u));
    }
    // The top alternatives: each round the best pair after the previous round's.
    var previous = vec2<u32>(0xffffffffu, 0u);
    var first_round = true;
    for (var j = 0u; j < params.n_logprobs; j++) {
      var mine = vec4<u32>(0u, 0xffffffffu, 0u, 0u);
      for (var c = lid; c < n; c += WG) {
        let pair = vec2<u32>(source_key(c), c);
        if ((first_round || pair_beats(previous, pair)) && pair_beats(pair, mine.xy)) {
          mine = vec4<u32>(pair, 0u, 0u);
        }
      }
      let top = workgroup_best(lid, mine);
      if (lid == 0u && row < params.rows) {
        // Sections of logprobs_out: [N] the token's, [N, n] the values, [N, n] the ids.
        let at = params.rows + row * params.n_logprobs + j;
        logprobs_out[at] = bitcast<u32>(select(nan(), source_logprob(top.y, norm), n > 0u));
        logprobs_out[at + params.rows * params.n_logprobs] = bitcast<u32>(select(-1, i32(top.y), n > 0u));
      }
      previous = top.xy;
      first_round = false;
    }
  }
  if (lid == 0u && row < params.rows) {
    if (reason != 0u) {
      atomicMin(&status[0], (params.first_row + row) * 4u + reason);
    }
    tokens[params.tokens_offset + row] = select(-1, i32(token), reason == 0u);
  }
}

// Split rows (plain sampling and greedy: no history, filters or log-probabilities), long rows and
// few of them: split_max (a workgroup per (row, chunk)) writes each chunk's best (key, index) and
// flags; split_mass merges the row's chunk states for the max and writes its chunk's exact mass;
// split_draw (a workgroup per row) adds the chunks' masses in order, finds the chunk holding the
// goal and walks it as the one-workgroup kernel walks a row. The same token as `main`'s.
// scratch holds the states: [rows · chunks] vec4s of (key, index, bad, finite), then the masses.

fn chunk_best(lid: u32, c0: u32, c1: u32) -> vec4<u32> {
  var best = vec4<u32>(0u, 0xffffffffu, 0u, 0u);
  for (var c = c0 + lid; c < c1; c += WG) {
    let v = processed(c);
    let pair = vec2<u32>(order_key(v), c);
    if (pair_beats(pair, best.xy)) {
      best = vec4<u32>(pair, best.zw);
    }
    best.z |= select(0u, 1u, is_nan(v) || v == pos_inf());
    best.w |= select(0u, 1u, v != neg_inf());
  }
  return workgroup_best(lid, best);
}

// The row's best pair and flags from its chunks' states, in order.
fn row_best(row: u32) -> vec4<u32> {
  var best = vec4<u32>(0u, 0xffffffffu, 0u, 0u);
  for (var k = 0u; k < params.chunks; k++) {
    let at = 4u * (row * params.chunks + k);
    let b = vec4<u32>(scratch[at], scratch[at + 1u], scratch[at + 2u], scratch[at + 3u]);
    let flags = best.zw | b.zw;
    best = select(best, b, pair_beats(b.xy, best.xy));
    best = vec4<u32>(best.xy, flags);
  }
  return best;
}

fn split_reason(best: vec4<u32>) -> u32 {
  return select(select(0u, NO_TOKEN, best.w == 0u), BAD_LOGIT, best.z != 0u);
}

fn begin_split_row(row: u32) {
  row_id = row;
  x_base = row * params.classes + params.x_offset;
  topk_key = 0u;
  topp_key = 0u;
  with_min_p = false;
}

@compute @workgroup_size(WG)
fn split_max(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  begin_split_row(chunk.row);
  let best = chunk_best(lid, chunk.c0, select(chunk.c0, chunk.c1, chunk.in_range));
  if (chunk.in_range && lid == 0u) {
    let at = 4u * chunk.group;
    scratch[at] = best.x;
    scratch[at + 1u] = best.y;
    scratch[at + 2u] = best.z;
    scratch[at + 3u] = best.w;
  }
}

@compute @workgroup_size(WG)
fn split_mass(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let chunk = chunk_slot(wid, nwg);
  begin_split_row(chunk.row);
  var c1 = chunk.c0;
  if (chunk.in_range) {
    let best = row_best(chunk.row);
    if (split_reason(best) == 0u) {
      v_max = processed(best.y);
      c1 = chunk.c1;
    }
  }
  // This chunk's exact mass: the threads' strided sums, added in the workgroup's fixed order.
  var mine = vec2<u32>(0u);
  for (var c = chunk.c0 + lid; c < c1; c += WG) {
    mine = u64_add(mine, kept_mass(c));
  }
  let total = workgroup_scan(lid, vec4<u32>(mine, 0u, 0u)).total.xy;
  if (chunk.in_range && lid == 0u) {
    let at = 4u * params.rows * params.chunks + 2u * chunk.group;
    scratch[at] = total.x;
    scratch[at + 1u] = total.y;
  }
}

@compute @workgroup_size(WG)
fn split_draw(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = linear_group(wid, nwg);
  let in_range = row < params.rows;
  begin_split_row(row);
  var best = vec4<u32>(0u, 0xffffffffu, 0u, 0u);
  if (in_range) {
    best = row_best(row);
  }
  let reason = select(split_reason(best), 0u, !in_range);
  var token = best.y;
  if (!GREEDY) {
    // The chunks' masses in order: the total, and the chunk whose prefix holds the goal.
    var total = vec2<u32>(0u);
    let masses = 4u * params.rows * params.chunks + 2u * row * params.chunks;
    for (var k = 0u; k < params.chunks && in_range; k++) {
      total = u64_add(total, vec2<u32>(scratch[masses + 2u * k], scratch[masses + 2u * k + 1u]));
    }
    let u24 = philox4x32(vec4<u32>(params.step, params.first_row + row, 0u, 0u), vec2<u32>(params.seed_lo, params.seed_hi)).x >> 8u;
    let goal = u64_mul_shr24(total, u24);
    var before = vec2<u32>(0u);
    var chosen = 0u;
    for (var k = 0u; k < params.chunks && in_range; k++) {
      let next = u64_add(before, vec2<u32>(scratch[masses + 2u * k], scratch[masses + 2u * k + 1u]));
      if (u64_gt(next, goal)) {
        chosen = k;
        break;
      }
      before = next;
    }
    if (in_range && reason == 0u) {
      v_max = processed(best.y);
    }
    // Walk the chosen chunk: each thread a contiguous part of it, placed by a prefix sum.
    let c0 = min(params.classes, chosen * params.chunk_len);
    let c1 = select(c0, min(params.classes, c0 + params.chunk_len), in_range && reason == 0u);
    let part = (c1 - c0 + WG - 1u) / WG;
    let p0 = min(c1, c0 + lid * part);
    let p1 = min(c1, p0 + part);
    let mine = chunk_mass(p0, p1);
    let scan = workgroup_scan(lid, vec4<u32>(mine, 0u, 0u));
    token = draw_in_chunks(lid, p0, p1, u64_add(before, scan.before.xy), mine, goal);
  }
  if (lid == 0u && in_range) {
    if (reason != 0u) {
      atomicMin(&status[0], (params.first_row + row) * 4u + reason);
    }
    tokens[params.tokens_offset + row] = select(-1, i32(token), reason == 0u);
  }
}
