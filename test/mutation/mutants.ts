// Deliberate WGSL bugs for `npm run mutate:wgsl` (test/mutation/wgsl-mutants.ts), each with the
// tests that must kill it. test/declarations/mutants.test.ts checks that every `find` is still in
// its file and every test file exists, so a shader edit cannot silently retire a mutant.

import { existsSync, readFileSync } from "node:fs";
import { kOpRegistry } from "../../src/registry/index.js";

export interface Mutant {
  file: string;
  find: string;
  replace: string;
  why: string;
  tests: string[];
  /** Only the tests whose names match (vitest -t), e.g. to leave out a minutes-long one. */
  names?: string;
}

const ce = "shaders/cross-entropy.wgsl";
const ceRow = "shaders/common/ce-row.wgsl";
const gradRow = "shaders/common/ce-grad-row.wgsl";
const fused = "shaders/cross-entropy-with-grad.wgsl";
const labels = "shaders/cross-entropy-labels.wgsl";
const kCore = ["test/modes/conformance.test.ts"];
const kGrads = ["test/robustness/adversarial-gradients.test.ts", "test/ops/softmax-backward.test.ts", "test/modes/torch-on-gpu.test.ts"];
const kLinear = ["test/ops/linear-cross-entropy.test.ts"];
// All of it but the real-128 MiB-binding case (minutes): the forced slices cover the slab logic.
const kLinearNames = "on the GPU|options|edge cases|in slices|PyTorch|filtering";
export const kWgslMutants: Mutant[] = [
  {
    file: "shaders/common/row-state.wgsl",
    find: "loss = w_t * ((acc.on.m - x_t) + log_s);",
    replace: "loss = w_t * ((acc.on.m + log_s) - x_t);",
    why: "the naive loss form",
    tests: ["test/ops/cross-entropy.test.ts"],
  },
  {
    file: "shaders/common/row-state.wgsl",
    find: "loss = (1.0 - params.smoothing) * loss",
    replace: "loss = (1.0 + params.smoothing) * loss",
    why: "label smoothing sign",
    tests: ["test/ops/cross-entropy.test.ts"],
  },
  {
    file: ce,
    find: "atomicMin(&status[0], grow);",
    replace: "atomicMax(&status[0], grow);",
    why: "first bad label",
    tests: ["test/robustness/label-checks.test.ts"],
  },
  {
    file: ceRow,
    find: "targets[i - params.x_offset + params.f32_offset]",
    replace: "targets[i]",
    why: "probability-target slice offset",
    tests: ["test/modes/sliced-bindings.test.ts", ...kCore],
  },
  {
    file: "shaders/common/class-target.wgsl",
    find: "ignore_index >= 0 && raw == bitcast<u32>(ignore_index)",
    replace: "raw == bitcast<u32>(ignore_index)",
    why: "u32 labels alias ignoreIndex",
    tests: ["test/robustness/hostile-caller.test.ts"],
  },
  {
    file: "shaders/common/class-target.wgsl",
    find: "raw >= classes",
    replace: "raw > classes",
    why: "class index off by one",
    tests: ["test/robustness/label-checks.test.ts", ...kCore],
  },
  {
    file: "shaders/common/class-target.wgsl",
    find: "select(signed == ignore_index,",
    replace: "select(signed == ignore_index + 1,",
    why: "ignoreIndex of i32 labels",
    tests: ["test/ops/cross-entropy.test.ts"],
  },
  {
    file: gradRow,
    find: "g = select(g, g - r.w_t, vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(r.te));",
    replace: "g = select(g, g + r.w_t, vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(r.te));",
    why: "vec4 one-hot sign",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: gradRow,
    find: "g = select(g, g - r.w_t, vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(r.te));",
    replace: "g = select(g, g - r.w_t, vec4<u32>(first) + vec4<u32>(1u, 2u, 3u, 0u) == vec4<u32>(r.te));",
    why: "vec4 one-hot at the wrong lane",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: gradRow,
    find: "g = select(g, g - r.w_t, vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(r.te));",
    replace: "g -= select(vec4<f32>(0.0), vec4<f32>(r.w_t), vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(r.te));",
    why: "vec4 one-hot subtracted everywhere: -0 off the target of nll_loss's gradient",
    tests: ["test/robustness/adversarial-gradients.test.ts", "test/ops/softmax-backward.test.ts"],
  },
  {
    file: gradRow,
    find: "g = select(g, g - one_hot, c == t);",
    replace: "g -= select(0.0, one_hot, c == t);",
    why: "scalar one-hot subtracted everywhere: -0 off the target of nll_loss's gradient",
    tests: ["test/robustness/adversarial-gradients.test.ts", "test/ops/softmax-backward.test.ts"],
  },
  {
    file: gradRow,
    find: "out4[o4 + k + 3u * ROW_THREADS] = grad4_at(base4 + k + 3u * ROW_THREADS, row4);",
    replace: "out4[o4 + k + 3u * ROW_THREADS] = grad4_at(base4 + k + 2u * ROW_THREADS, row4);",
    why: "vec4 gradient, four vec4s an iteration: one written from its neighbour",
    tests: [
      "test/ops/cross-entropy-with-grad.test.ts",
      "test/robustness/adversarial-gradients.test.ts",
      "test/ops/softmax-backward.test.ts",
    ],
  },
  {
    file: gradRow,
    find: "g = select(g, g - one_hot, c == t);",
    replace: "g = select(g, g - one_hot, c == t + 1u);",
    why: "scalar one-hot off by one",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: gradRow,
    find: "factor /= divisor[0];",
    replace: "factor /= 1.0;",
    why: "the mean's divisor in the gradient",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: gradRow,
    find: "p_coef += 2.0 * params.z_loss * w_t * lse;",
    replace: "p_coef += params.z_loss * w_t * lse;",
    why: "z-loss gradient factor",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: gradRow,
    find: "} else if (skip || undefined_row) {",
    replace: "} else if (skip) {",
    why: "NaN rows of the gradient",
    tests: ["test/robustness/fuzz-values.test.ts", "test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: "shaders/reduce-loss.wgsl",
    find: "divisor = f32(params.total);",
    replace: "divisor = f32(params.count);",
    why: "mean divisor of parts",
    tests: kCore,
  },
  {
    file: "shaders/common/kahan.wgsl",
    find: "fn kahan_add(k: Kahan, v: f32) -> Kahan {\n  let y = v - k.comp;",
    replace: "fn kahan_add(k: Kahan, v: f32) -> Kahan {\n  let y = v + k.comp;",
    why: "Kahan compensation sign",
    tests: ["test/ops/cross-entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/reduce-loss.wgsl",
    find: "a == 0.0 || is_nan(a)",
    replace: "is_nan(a)",
    why: "0 / 0 is NaN",
    tests: ["test/ops/cross-entropy.test.ts"],
  },
  {
    file: "shaders/common/words.wgsl",
    find: "(words_i & 1u) == 1u",
    replace: "(words_i & 1u) == 0u",
    why: "16-bit half order",
    tests: ["test/modes/half-precision.test.ts"],
  },
  {
    file: "shaders/common/words.wgsl",
    find: "bitcast<f32>(half_bits << 16u)",
    replace: "bitcast<f32>(half_bits << 15u)",
    why: "bf16 decode",
    tests: ["test/modes/half-precision.test.ts"],
  },
  {
    file: "shaders/common/words.wgsl",
    find: "bitcast<f32>(w0 << 16u), bitcast<f32>(w0 & 0xffff0000u)",
    replace: "bitcast<f32>(w0 & 0xffff0000u), bitcast<f32>(w0 << 16u)",
    why: "bf16 vec4 order",
    tests: ["test/modes/half-precision.test.ts"],
  },
  {
    file: "shaders/softmax.wgsl",
    find: "let z = (x_at(base + c * stride) - m) * inv_t;",
    replace: "let z = x_at(base + c * stride) * inv_t - m;",
    why: "temperature after the max",
    tests: ["test/ops/softmax.test.ts"],
  },
  {
    file: "shaders/softmax.wgsl",
    find: "y = z - log_s;",
    replace: "y = z + log_s;",
    why: "vec4 log-softmax sign",
    tests: ["test/ops/softmax.test.ts"],
  },
  {
    file: "shaders/softmax.wgsl",
    find: "out4[o4 + k + 3u * ROW_THREADS] = output4(v3, m, inv_t, log_s, inv_s);",
    replace: "out4[o4 + k + 3u * ROW_THREADS] = output4(v2, m, inv_t, log_s, inv_s);",
    why: "vec4 softmax, four vec4s an iteration: one written from its neighbour",
    tests: ["test/ops/softmax.test.ts"],
  },
  {
    file: "shaders/common/lane-vec4.wgsl",
    find: "if (poisons4(v)) {",
    replace: "if (false) {",
    why: "NaN rows on the vec4 plans",
    tests: ["test/ops/softmax.test.ts"],
  },
  {
    file: "shaders/common/lane-vec4.wgsl",
    find: "acc = Online(m, rebased(s, acc.m, m, inv_t) + sum4(e));",
    replace: "acc = Online(m, s + sum4(e));",
    why: "vec4 online softmax, a block of four vec4s: the sum not rescaled at a new max",
    tests: ["test/ops/softmax.test.ts", "test/ops/cross-entropy.test.ts"],
  },
  {
    file: "shaders/common/lane-vec4.wgsl",
    find: "return Online(m, rebased(s, a.m, m, inv_t) + sum4(exp((v - m) * inv_t)));",
    replace: "return Online(m, s + sum4(exp((v - m) * inv_t)));",
    why: "vec4 online softmax, one vec4 (a row's last vec4s, SPAN4 rows): the sum not rescaled at a new max",
    tests: ["test/ops/softmax.test.ts", "test/ops/cross-entropy.test.ts", "test/modes/span4-rows.test.ts"],
  },
  {
    file: "shaders/common/lane-vec4.wgsl",
    find: "if (poisons4(v0) || poisons4(v1) || poisons4(v2) || poisons4(v3)) {",
    replace: "if (poisons4(v0)) {",
    why: "vec4 online softmax: a NaN or +inf in a block's later vec4s",
    tests: ["test/modes/vec4-blocks.test.ts", "test/ops/softmax.test.ts", "test/ops/cross-entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/common/lane-vec4.wgsl",
    find: "let v3 = load4(base4 + k + 3u * ROW_THREADS);",
    replace: "let v3 = load4(base4 + k + 2u * ROW_THREADS);",
    why: "vec4 online softmax: a block reads one vec4 twice and skips another",
    tests: ["test/ops/softmax.test.ts", "test/ops/cross-entropy.test.ts"],
  },
  {
    file: "shaders/common/online-softmax.wgsl",
    find: "return select(s * exp((m_from - m_to) * inv_t), s, m_from == m_to);",
    replace: "return s * exp((m_to - m_from) * inv_t);",
    why: "branch-free rescale direction",
    tests: ["test/ops/softmax.test.ts", "test/ops/cross-entropy.test.ts"],
  },
  {
    file: "shaders/common/online-softmax.wgsl",
    find: "return bitcast<f32>(0xff7fffffu);",
    replace: "return bitcast<f32>(0xff800000u);",
    why: "branch-free online softmax starting from -inf: -inf - -inf in a lane that has seen only masked classes",
    tests: [
      "test/modes/vec4-blocks.test.ts",
      "test/ops/softmax.test.ts",
      "test/ops/cross-entropy.test.ts",
      "test/modes/span4-rows.test.ts",
      ...kCore,
    ],
  },
  {
    file: "shaders/common/numbers.wgsl",
    find: "return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;",
    replace: "return (bitcast<u32>(v) & 0x7fffffffu) >= 0x7f800000u;",
    why: "±inf taken for NaN",
    tests: ["test/ops/softmax.test.ts"],
  },
  {
    file: "shaders/binary-cross-entropy.wgsl",
    find: "let lo = vec4<f32>(-100.0);",
    replace: "let lo = vec4<f32>(-10.0);",
    why: "BCE log clamp",
    tests: ["test/ops/binary-cross-entropy.test.ts"],
  },
  {
    file: "shaders/binary-cross-entropy-with-logits.wgsl",
    find: "return (1.0 - y) * x + log_weight4(y, global) * softplus_neg4(x);",
    replace: "return (1.0 + y) * x + log_weight4(y, global) * softplus_neg4(x);",
    why: "BCE with logits",
    tests: ["test/ops/binary-cross-entropy.test.ts"],
  },
  {
    file: "shaders/kl-div.wgsl",
    find: "let l = select(y * log(y) - y * x, at_zero, y == vec4<f32>(0.0));",
    replace: "let l = select(y * log(y) + y * x, at_zero, y == vec4<f32>(0.0));",
    why: "KL sign",
    tests: ["test/ops/kl-div.test.ts"],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "if (is_nan(v) || v < 0.0) {",
    replace: "if (is_nan(v)) {",
    why: "negative probabilities",
    tests: ["test/ops/entropy.test.ts"],
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "return params.smoothing / f32(params.classes);",
    replace: "return params.smoothing / 2.0;",
    why: "Keras smoothing over C",
    tests: ["test/ops/keras.test.ts"],
  },
  {
    file: "shaders/common/softcap.wgsl",
    find: "let e = exp(-2.0 * min(abs(u), 10.0));",
    replace: "let e = exp(-2.0 * min(abs(u), 1.0));",
    why: "softcap clamp",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: "shaders/common/softcap.wgsl",
    find: "abs(u) < 0.125",
    replace: "abs(u) < 0.0",
    why: "softcap without its series: WGSL-exp precision at huge caps",
    tests: ["test/ops/cross-entropy.test.ts"],
    names: "softcap precision",
  },
  {
    file: "shaders/common/elementwise-loss-core.wgsl",
    find: "let g = 4u * k + params.first;",
    replace: "let g = 4u * k;",
    why: "weights broadcast by global index in slices",
    tests: ["test/modes/sliced-bindings.test.ts", ...kCore],
  },
  {
    file: "shaders/common/kahan.wgsl",
    find: "return Kahan(t, select((t - k.sum) - y, 0.0, abs(t) == pos_inf()));",
    replace: "return Kahan(t, (t - k.sum) - y);",
    why: "a compensated sum turns −inf into NaN",
    tests: ["test/ops/binary-cross-entropy.test.ts"],
  },
  {
    file: "shaders/common/kahan.wgsl",
    find: "return Kahan4(t, select((t - k.sum) - y, vec4<f32>(0.0), abs(t) == vec4<f32>(pos_inf())));",
    replace: "return Kahan4(t, (t - k.sum) - y);",
    why: "a vec4 compensated sum turns −inf into NaN",
    tests: ["test/ops/binary-cross-entropy.test.ts"],
  },
  // Entropy's vec4 rows.
  {
    file: "shaders/entropy.wgsl",
    find: "return select(e * d, vec4<f32>(0.0), e == vec4<f32>(0.0));",
    replace: "return e * d;",
    why: "vec4 entropy: a masked (-inf) class's 0 · -inf",
    tests: ["test/modes/vec4-blocks.test.ts", "test/ops/entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "let t = select(r * (a.t + shift * s), 0.0, r == 0.0);",
    replace: "let t = a.t;",
    why: "vec4 entropy: t not rebased at a new max",
    tests: ["test/modes/vec4-blocks.test.ts", "test/ops/entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "let t = select(r * (a.t + shift * s), 0.0, r == 0.0);",
    replace: "let t = r * (a.t + shift * s);",
    why: "vec4 entropy: a jump past f32's range gives 0 · inf",
    tests: ["test/modes/vec4-blocks.test.ts", "test/ops/entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "let poisoned = poisons4(v0) || poisons4(v1) || poisons4(v2) || poisons4(v3);",
    replace: "let poisoned = poisons4(v0);",
    why: "vec4 entropy: a NaN or +inf in a block's later vec4s",
    tests: ["test/modes/vec4-blocks.test.ts", "test/ops/entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "let bad = any(is_nan4(v)) || any(v < vec4<f32>(0.0));",
    replace: "let bad = any(is_nan4(v));",
    why: "vec4 entropy: a negative probability",
    tests: ["test/ops/entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "out4[o4 + k] = vec4<f32>(nan());\n        }\n      } else {\n        for (var k = slot.lane",
    replace: "out4[o4 + k] = vec4<f32>(0.0);\n        }\n      } else {\n        for (var k = slot.lane",
    why: "vec4 entropy gradient: an undefined row",
    tests: ["test/ops/entropy.test.ts", ...kGrads, ...kCore],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "let o4 = base4 - params.x_offset / 4u + params.grad_offset / 4u;",
    replace: "let o4 = base4;",
    why: "vec4 entropy gradient: its own offset in a slice of 16-bit input",
    tests: ["test/modes/sliced-bindings.test.ts"],
  },
  // SPAN4 rows (contiguous, classes % 4 != 0): spanning vec4s, the neighbours' elements masked.
  {
    file: "shaders/common/logits-vec4.wgsl",
    find: "return (i >= vec4<u32>(e0)) & (i < vec4<u32>(e1));",
    replace: "return i < vec4<u32>(e1);",
    why: "SPAN4: the previous row's elements leak in",
    tests: ["test/modes/span4-rows.test.ts"],
  },
  {
    file: "shaders/common/logits-vec4.wgsl",
    find: "return (i >= vec4<u32>(e0)) & (i < vec4<u32>(e1));",
    replace: "return i >= vec4<u32>(e0);",
    why: "SPAN4: the next row's elements leak in",
    tests: ["test/modes/span4-rows.test.ts"],
  },
  {
    file: "shaders/common/lane-vec4.wgsl",
    find: "let k1 = (e1 + 3u) / 4u;",
    replace: "let k1 = e1 / 4u;",
    why: "SPAN4: the row's last, partial vec4",
    tests: ["test/modes/span4-rows.test.ts"],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "let fill = vec4<f32>(select(0.0, neg_inf(), FROM_LOGITS));",
    replace: "let fill = vec4<f32>(0.0);",
    why: "SPAN4 entropy: masked logits are -inf, not 0",
    tests: ["test/modes/span4-rows.test.ts"],
  },
  {
    file: "shaders/common/span4-store.wgsl",
    find: "if (all(inside)) {",
    replace: "if (any(inside)) {",
    why: "SPAN4 stores: a partial vec4 stored whole overwrites the neighbouring rows'",
    tests: ["test/modes/span4-rows.test.ts"],
  },
  {
    file: gradRow,
    find: "let row4 = Row4(m, log_s, p_coef, w_t, factor, base + t);",
    replace: "let row4 = Row4(m, log_s, p_coef, w_t, factor, t);",
    why: "vec4 gradient: the target's element index in the bound range",
    tests: ["test/modes/span4-rows.test.ts", ...kCore],
  },
  // The elementwise losses' vec4 build (unsliced tensors: most calls).
  {
    file: "shaders/common/elementwise-loss-core.wgsl",
    find: "let l = select(pointwise_loss4(v, t, g), vec4<f32>(nan()), is_nan4(v) | is_nan4(t));",
    // Dropping only the target's test is equivalent: every loss's arithmetic carries a NaN target.
    replace: "let l = pointwise_loss4(v, t, g);",
    why: "elementwise: NaN input's loss",
    tests: ["test/ops/binary-cross-entropy.test.ts", "test/ops/kl-div.test.ts", ...kCore],
  },
  {
    file: "shaders/common/elementwise-loss-core.wgsl",
    find: "+ vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.size);",
    replace: "+ vec4<u32>(0u, 1u, 2u, 3u) <= vec4<u32>(params.size);",
    why: "elementwise: the last quad's tail mask",
    tests: ["test/ops/binary-cross-entropy.test.ts", "test/ops/kl-div.test.ts", ...kCore],
  },
  {
    file: "shaders/common/elementwise-loss-core.wgsl",
    find: "w = vec4<f32>(weight_at(g), weight_at(g + 1u), weight_at(g + 2u), weight_at(g + 3u));",
    replace: "w = vec4<f32>(weight_at(g), weight_at(g + 2u), weight_at(g + 1u), weight_at(g + 3u));",
    why: "elementwise: a lane's weight",
    tests: ["test/ops/binary-cross-entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/common/elementwise-loss.wgsl",
    find: "return vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);",
    replace: "return vec4<f32>(x[i], x[i + 2u], x[i + 1u], x[i + 3u]);",
    why: "elementwise scalar build: a quad's loads",
    tests: ["test/ops/binary-cross-entropy.test.ts", "test/ops/kl-div.test.ts", ...kCore],
  },
  {
    file: "shaders/common/elementwise-loss.wgsl",
    find: "let o = params.partial_offset + 4u * index;",
    replace: "let o = 4u * index;",
    why: "elementwise scalar build: each slice's partials at their offset",
    tests: ["test/modes/sliced-bindings.test.ts", "test/modes/device-limits.test.ts"],
  },
  {
    file: "shaders/common/elementwise-loss-core.wgsl",
    find: "store_grad4(k, pointwise_grad4(v, t, g) * w * params.grad_scale, inside);",
    replace: "store_grad4(k, pointwise_grad4(v, t, g) * params.grad_scale, inside);",
    why: "elementwise: the gradient's weights",
    tests: kGrads,
  },
  {
    file: "shaders/common/dispatch.wgsl",
    find: "return wid.x + wid.y * nwg.x;",
    replace: "return wid.x + wid.y * nwg.y;",
    why: "2-D dispatch folding",
    tests: ["test/robustness/reliability.test.ts"],
  },
  {
    file: "shaders/common/merge-lanes.wgsl",
    find: "for (var stride = ROW_THREADS / 2u; stride > 0u; stride >>= 1u) {",
    replace: "for (var stride = ROW_THREADS / 4u; stride > 0u; stride >>= 1u) {",
    why: "tree merge skips a level",
    tests: ["test/ops/softmax.test.ts"],
  },
  {
    file: "shaders/kl-div.wgsl",
    find: "let at_zero = select(vec4<f32>(0.0), bad, x == vec4<f32>(neg_inf()));",
    replace: "let at_zero = vec4<f32>(0.0);",
    why: "KL: a zero target against a log q of -inf is NaN",
    tests: ["test/ops/kl-div.test.ts", ...kCore],
  },
  {
    file: "shaders/binary-cross-entropy.wgsl",
    find: "return (p < vec4<f32>(0.0)) | (p > vec4<f32>(1.0));",
    replace: "return p < vec4<f32>(0.0);",
    why: "BCE: a probability above 1 is NaN",
    tests: ["test/ops/binary-cross-entropy.test.ts", ...kCore],
  },
  {
    file: "shaders/keras-binary-crossentropy.wgsl",
    find: "let passes = (v >= vec4<f32>(params.eps)) & (v <= vec4<f32>(1.0 - params.eps));",
    replace: "let passes = v >= vec4<f32>(params.eps);",
    why: "Keras BCE: the clip's zero gradient above 1 - eps",
    tests: [...kGrads, ...kCore, "test/ops/keras.test.ts"],
  },
  // Gradients.
  {
    file: "shaders/binary-cross-entropy.wgsl",
    find: "max(p * (1.0 - p), vec4<f32>(1e-12))",
    replace: "max(p * (1.0 - p), vec4<f32>(1e-6))",
    why: "BCE gradient's epsilon",
    tests: kGrads,
  },
  {
    file: "shaders/binary-cross-entropy-with-logits.wgsl",
    find: "g = log_weight4(y, global) * sigmoid4(x) - pos_weight4(global) * y;",
    replace: "g = log_weight4(y, global) * sigmoid4(x) - y;",
    why: "posWeight in the BCE-with-logits gradient",
    tests: kGrads,
  },
  {
    file: "shaders/kl-div.wgsl",
    find: "g = -exp(y);",
    replace: "g = -y;",
    why: "KL gradient with log targets",
    tests: kGrads,
  },
  {
    file: "shaders/entropy.wgsl",
    find: "g = select(-p * (logp + h), 0.0, p == 0.0);",
    replace: "g = -p * (logp + h);",
    why: "masked classes in the entropy gradient",
    tests: kGrads,
  },
  {
    file: "shaders/entropy.wgsl",
    find: "g = select(-p * (logp + h), vec4<f32>(0.0), p == vec4<f32>(0.0));",
    replace: "g = -p * (logp + h);",
    why: "vec4 entropy gradient: a class whose p underflows (masked, or x - m overflowing to -inf)",
    tests: ["test/modes/vec4-blocks.test.ts", ...kGrads],
  },
  {
    file: "shaders/entropy.wgsl",
    find: "r.t = a.t + select(e * d, 0.0, e == 0.0);",
    replace: "r.t = a.t + e * d;",
    why: "scalar entropy: x - m overflowing to -inf (-3e38 beside 3e38) gives 0 · -inf",
    tests: ["test/modes/vec4-blocks.test.ts"],
  },
  {
    file: "shaders/common/elementwise-loss.wgsl",
    find: "if (inside[j]) {\n      grad[i + j] = g[j];",
    replace: "if (j < 3u) {\n      grad[i + j] = g[j];",
    why: "elementwise scalar build: the gradient's last lane",
    tests: [...kGrads, ...kCore],
  },
  {
    file: "shaders/common/elementwise-weights.wgsl",
    find: "((global / div1) % mod1) * mul1",
    replace: "((global / div1) % mod1) * mul0",
    why: "the second broadcast block",
    tests: kGrads,
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "return v >= params.eps && v <= 1.0 - params.eps;",
    replace: "return true;",
    why: "Keras clip's zero gradient (scalar rows, sparse, scikit-learn)",
    tests: [...kGrads, ...kCore, "test/ops/keras.test.ts"],
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "return (v >= vec4<f32>(params.eps)) & (v <= vec4<f32>(1.0 - params.eps));",
    replace: "return vec4<bool>(true);",
    why: "Keras clip's zero gradient (vec4 rows)",
    tests: [...kGrads, ...kCore, "test/ops/keras.test.ts"],
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "if (again && !SUBGROUPS) {",
    replace: "if (false) {",
    why: "Keras: the barrier between two workgroup-memory merges",
    tests: ["test/ops/keras.test.ts"],
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "return vec4<u32>(0u, 1u, 2u, 3u) + 4u * k == vec4<u32>(t);",
    replace: "return vec4<u32>(0u, 1u, 2u, 3u) + k == vec4<u32>(t);",
    why: "Keras sparse / scikit-learn: the target's class in vec4 k",
    tests: ["test/ops/keras.test.ts"],
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "poisoned = parts.z > 0.0;",
    replace: "poisoned = false;",
    why: "Keras categorical: a NaN in another lane poisons the row",
    tests: ["test/ops/keras.test.ts"],
  },
  {
    file: "shaders/keras-cross-entropy.wgsl",
    find: "grad_poisoned = sums.y > 0.0 && abs(total) == pos_inf();",
    replace: "grad_poisoned = false;",
    why: "Keras sparse: an infinite p over an infinite row sum gives a NaN gradient row (TensorFlow's)",
    tests: ["test/ops/keras.test.ts", "test/modes/torch-on-gpu.test.ts", "test/robustness/fuzz-values.test.ts"],
  },
  {
    file: "shaders/softmax-backward.wgsl",
    find: "s += select(d * x_at(y_base + c * stride), d, LOG_SOFTMAX);",
    replace: "s += d * x_at(y_base + c * stride);",
    why: "logSoftmax backward's sum",
    tests: kGrads,
  },
  {
    file: "shaders/softmax-backward.wgsl",
    find: "out4[out4_base + k] = y * (d - s);",
    replace: "out4[out4_base + k] = y * d;",
    why: "softmax backward, vec4 rows: the row's dot product",
    tests: ["test/robustness/adversarial-gradients.test.ts", "test/ops/softmax-backward.test.ts"],
  },
  {
    file: "shaders/softmax-backward.wgsl",
    find: "s4 += d * x4_at(y4_base + k);",
    replace: "s4 += d;",
    why: "softmax backward, vec4 rows: the dot product's y",
    tests: ["test/robustness/adversarial-gradients.test.ts", "test/ops/softmax-backward.test.ts"],
  },
  {
    file: "shaders/softmax-backward.wgsl",
    find: "v = decode4(dyw[2u * k], dyw[2u * k + 1u], DY_DTYPE);",
    replace: "v = decode4(dyw[2u * k], dyw[2u * k + 1u], DTYPE);",
    why: "softmax backward, vec4 rows: 16-bit dy decoded as its own dtype",
    tests: ["test/robustness/adversarial-gradients.test.ts", "test/ops/softmax-backward.test.ts"],
  },
  {
    file: "shaders/sigmoid-backward.wgsl",
    find: "dx[k] = dy[k] * v * (1.0 - v);",
    replace: "dx[k] = dy[k] * v;",
    why: "sigmoid backward",
    tests: [...kGrads, ...kCore, "test/ops/sigmoid.test.ts"],
  },
  {
    file: "shaders/sigmoid-backward.wgsl",
    find: "dx4[k] = dy4[k] * v * (1.0 - v);",
    replace: "dx4[k] = dy4[k] * v;",
    why: "sigmoid backward, vec4 build",
    tests: [...kGrads, ...kCore, "test/ops/sigmoid.test.ts"],
  },
  {
    file: "shaders/common/log-math.wgsl",
    find: "return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= vec4<f32>(0.0));",
    replace: "return 1.0 / (1.0 + e);",
    why: "sigmoid, vec4 build: the negative half",
    tests: ["test/ops/sigmoid.test.ts"],
  },
  {
    file: "shaders/common/elementwise4.wgsl",
    find: "let k = start + j * WG;",
    replace: "let k = start + j;",
    why: "elementwise vec4 build: a thread's vec4s are WG apart",
    tests: ["test/ops/sigmoid.test.ts"],
  },
  {
    file: gradRow,
    find: "g = r.p_coef * exp((z - r.m) - r.log_s);",
    replace: "g = r.p_coef * exp(z - (r.m + r.log_s));",
    why: "the gradient's p from a rounded lse (vec4 rows)",
    tests: kGrads,
  },
  {
    file: gradRow,
    find: "let fill = select(select(vec4<f32>(nan()), vec4<f32>(0.0), skip), vec4<f32>(nan()), bad);",
    replace: "let fill = select(vec4<f32>(0.0), vec4<f32>(nan()), bad);",
    why: "vec4 gradient: an undefined row (NaN logits) given zeros",
    tests: ["test/ops/cross-entropy-with-grad.test.ts", ...kGrads],
  },
  {
    file: gradRow,
    find: "let o4 = base4 + params.f32_offset / 4u - params.x_offset / 4u;",
    replace: "let o4 = base4;",
    why: "vec4 gradient: the output's own offset in a slice of 16-bit logits",
    tests: ["test/modes/sliced-bindings.test.ts"],
  },
  {
    file: gradRow,
    find: "if (!LOG_PROBS) {\n        z = x_at(i);",
    replace: "if (true) {\n        z = x_at(i);",
    // Equivalent on SwiftShader (its exp of ±Inf / NaN comes back finite, so 0·exp(z) stays 0):
    // it survives there; on GPUs, where exp(+Inf) = +Inf, the ±Inf / NaN log-probs test kills it.
    why: "nll gradient never reads the input (a NaN there stays out)",
    tests: kGrads,
  },
  // Fused linear + cross-entropy and the tiled product.
  {
    file: "shaders/linear-cross-entropy.wgsl",
    find: "if (v == targets8[q]) {",
    replace: "if (v == targets8[q] + 1u) {",
    why: "the target logit one class off",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/linear-cross-entropy.wgsl",
    find: "for (var k = 0u; k < 8u; k++) {",
    replace: "for (var k = 0u; k < 7u; k++) {",
    why: "a row's lane states merged without the last lane",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/linear-cross-entropy-merge.wgsl",
    find: "for (var k = 0u; k < params.groups_total; k++) {",
    replace: "for (var k = 1u; k < params.groups_total; k++) {",
    why: "the merge skips the first group's states",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/common/linear-logits.wgsl",
    find: "z += bias[params.class_offset + jl];",
    replace: "z += bias[jl];",
    why: "the bias without the V slab's offset",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/common/tile-matmul.wgsl",
    find: "(*acc).r[15] += a1.w * b1;",
    replace: "(*acc).r[15] += a1.w * b0;",
    why: "one product of the 8 × 8 block from the wrong column",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/common/tile-matmul.wgsl",
    find: "if (k < depth) {",
    replace: "if (true) {",
    why: "K past the end not zero-padded",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/common/operands.wgsl",
    find: "select(i * params.a_stride + k, k * params.a_stride + i, A_KMAJOR)",
    replace: "select(i * params.a_stride + k, i * params.a_stride + k, A_KMAJOR)",
    why: "a transposed A read untransposed",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/linear-cross-entropy-grad.wgsl",
    find: "gv -= (1.0 - params.smoothing) * r.w_t;",
    replace: "gv -= r.w_t;",
    why: "label smoothing at the target in the linear gradient",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/linear-cross-entropy-grad.wgsl",
    find: "r.zero = ct.ignored || ct.bad;",
    replace: "r.zero = ct.bad;",
    why: "ignored rows get a gradient",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/matmul.wgsl",
    find: "v = out[o] + v;",
    replace: "v = out[o] * 0.0 + v;",
    why: "gradient shares of later slabs / chunks overwrite instead of adding",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/matmul.wgsl",
    find: "s = out[o] + s;",
    replace: "s = out[o] * 0.0 + s;",
    why: "the bias gradient of later row chunks overwrites",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/linear-cross-entropy-grad.wgsl",
    find: "kept = kept || !(abs(values[k]) < params.grad_filter);",
    replace: "kept = kept || abs(values[k]) > 1e-3;",
    why: "the gradient filter's threshold ignored",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: "shaders/matmul.wgsl",
    find: "k_tile + a_tile * params.flag_rows, params.flag_transposed != 0u)",
    replace: "a_tile + k_tile * params.flag_rows, params.flag_transposed != 0u)",
    why: "Gᵀ's tile flags read untransposed",
    tests: kLinear,
    names: kLinearNames,
  },
  {
    file: labels,
    find: "select(class_weight(ct.index), 0.0, ct.ignored)",
    replace: "select(class_weight(ct.index), 1.0, ct.ignored)",
    why: "the fused gradient's divisor counts ignored positions",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: labels,
    find: "first_bad = select(first_bad, min(first_bad, i), s.bad);",
    replace: "first_bad = select(first_bad, i, s.bad);",
    why: "the pre-pass reports a chunk's last bad label",
    tests: ["test/robustness/label-checks.test.ts"],
  },
  {
    file: labels,
    find: "red_bad[lid] = min(red_bad[lid], red_bad[lid + stride]);",
    replace: "red_bad[lid] = red_bad[lid + stride];",
    why: "the pre-pass's tree keeps a later worker's bad label",
    tests: ["test/robustness/label-checks.test.ts"],
  },
  {
    file: labels,
    find: "status[1] = targets[red_bad[0]];",
    replace: "status[1] = targets[0];",
    why: "the pre-pass names the wrong label",
    tests: ["test/robustness/label-checks.test.ts"],
  },
  {
    file: "shaders/reduce-loss.wgsl",
    find: "divisor = denom[0];",
    replace: "divisor = 1.0;",
    why: "the fused gradient's loss is not divided by the pre-pass's divisor",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: fused,
    find: "if (slot.lane == 0u) {\n      row_loss[grow] = r.loss;",
    replace: "if (slot.lane == 1u) {\n      row_loss[grow] = r.loss;",
    why: "the fused pass leaves a thread-per-row loss unwritten",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: fused,
    find: "v = out4[i / 4u][i % 4u];",
    replace: "v = out4[i / 4u][0u];",
    why: "in place, the fused pass reads the wrong target logit",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
  {
    file: fused,
    find: "    v = out4[k];",
    replace: "    v = x4_at(k);",
    why: "in place, the fused pass reads the (unbound) x4 view",
    tests: ["test/ops/cross-entropy-with-grad.test.ts"],
  },
];

const kebab = (name: string): string => name.replace(/WithGrad$/, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** Operator flips tried on each line of an op's own shader. */
const kFlips: readonly [string, string][] = [
  [" - ", " + "],
  [" + ", " - "],
  [" * ", " / "],
  [" == ", " != "],
  [" < ", " >= "],
];

/**
 * Mutants that follow from the registry: for each registered op whose kernel body is
 * shaders/<op-name>.wgsl and which has test/ops/<op-name>.test.ts, and which no hand-written mutant
 * above covers, one operator flip per code line of the body (at most `perFile`), killed by the op's
 * test file or the conformance run of the op.
 */
export function derivedMutants(perFile = 12): Mutant[] {
  const covered = new Set(kWgslMutants.map((m) => m.file));
  const names = [...new Set(kOpRegistry.map((o) => kebab(o.name)))];
  return names.flatMap((name) => {
    const file = `shaders/${name}.wgsl`;
    const test = `test/ops/${name}.test.ts`;
    if (covered.has(file) || !existsSync(file) || !existsSync(test)) return [];
    const source = readFileSync(file, "utf8");
    const lines = source.split("\n").filter((l) => !l.trim().startsWith("//") && source.split(l).length === 2);
    const all = lines.flatMap((line) => {
      const flip = kFlips.find(([from]) => line.includes(from));
      return flip ? [{ line, flip }] : [];
    });
    // Spread over the whole body, not its first lines.
    const step = Math.max(1, all.length / perFile);
    return Array.from({ length: Math.min(perFile, all.length) }, (_, i) => all[Math.floor(i * step)] as (typeof all)[number]).map(
      ({ line, flip }): Mutant => ({
        file,
        find: line,
        replace: line.replace(flip[0], flip[1]),
        why: `${name}: "${flip[0].trim()}" → "${flip[1].trim()}" in \`${line.trim()}\``,
        tests: [test, "test/modes/conformance.test.ts"],
      }),
    );
  });
}
