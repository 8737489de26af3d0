// @use numbers, class-target
// Liger's generalised Jensen–Shannon divergence, pointwise, four elements at once: x = log q (the
// student), y = log p (the teacher), M = βp + (1 − β)q,
//   β = 0: p (y − x)                       (forward KL(P‖Q), as Liger defines the end)
//   β = 1: q (x − y)                       (reverse KL(Q‖P))
//   else:  β p log(p/M) + (1 − β) q log(q/M)   (as a sum of non-negative terms: excess4)
// with 0·log 0 = 0.
// d/dx: −p; q (x − y) + q; (1 − β) q log(q/M). A row whose label is ignore_index (HAS_LABELS)
// contributes 0 to both; every kept element is scaled by 1 / the kept rows' count (BY_COUNT, read
// from `count`) or params.row_scale, so 'batchmean' is the sum Liger's reduction takes.

// expm1 and log1p by Kahan's corrections: exact where exp(u) or 1 + u rounds to 1, and relative
// accuracy elsewhere from the correction factor u / log(e).
fn expm1_4(u: vec4<f32>) -> vec4<f32> {
  let e = exp(u);
  var r = (e - 1.0) * u / log(e);
  // e = 0: log(0) may be a finite stand-in on some GPUs (SwiftShader: about -88).
  r = select(r, vec4<f32>(-1.0), e - 1.0 == vec4<f32>(-1.0));
  return select(r, u, (e == vec4<f32>(1.0)) | (u == vec4<f32>(pos_inf())));
}

// For u > -1 (all this kernel passes it).
fn log1p_4(u: vec4<f32>) -> vec4<f32> {
  let w = 1.0 + u;
  return select(log(w) * u / (w - 1.0), u, (w == vec4<f32>(1.0)) | (u == vec4<f32>(pos_inf())));
}

// 1 where the element's row counts, 0 where its label is ignored (bad labels are the label check's).
fn kept4(global: u32) -> vec4<bool> {
  var keep = vec4<bool>(true);
  if (HAS_LABELS) {
    for (var j = 0u; j < 4u; j++) {
      let row = min((global + j) / params.classes, params.label_rows - 1u);
      keep[j] = !class_target(labels[row], params.ignore_index, params.classes).ignored;
    }
  }
  return keep;
}

fn kept_scale() -> f32 {
  if (BY_COUNT) {
    return 1.0 / count[0];
  }
  return params.row_scale;
}

// log(M / a) for a = e^log_a, the other probability e^(log_a + d) weighted w_other in M:
// log1p(w_other·expm1(d)) (no difference of nearly equal logs), or log M − log a once d is large
// (where expm1 would overflow and the difference is well-conditioned).
fn log_mix_ratio4(w_other: f32, d: vec4<f32>, m: vec4<f32>, log_a: vec4<f32>) -> vec4<f32> {
  return select(log1p_4(w_other * expm1_4(d)), log(m) - log_a, d > vec4<f32>(20.0));
}

// a·log(a/M) + (M − a) = a·(e^L − 1 − L), L = log(M/a): each of the mixed case's two KL terms
// plus its share of β(M − p) + (1 − β)(M − q) = 0. So every term is ≥ 0 and a student close to its
// teacher sums small positive numbers, not ±a·L that cancel to their square. The series where
// (M − a) − a·L would cancel; a = 0: M (0·log 0 = 0).
fn excess4(a: vec4<f32>, l: vec4<f32>, m_minus_a: vec4<f32>, m: vec4<f32>) -> vec4<f32> {
  let series = a * l * l * (0.5 + l * (1.0 / 6.0 + l * (1.0 / 24.0 + l * (1.0 / 120.0 + l / 720.0))));
  let direct = m_minus_a - a * l;
  return select(select(direct, series, abs(l) < vec4<f32>(0.1)), m, a == vec4<f32>(0.0));
}

fn pointwise_loss4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let beta = params.beta;
  let p = exp(y);
  let q = exp(x);
  let zero = vec4<f32>(0.0);
  var l: vec4<f32>;
  if (beta == 0.0) {
    l = select(p * (y - x), zero, p == zero);
  } else if (beta == 1.0) {
    l = select(q * (x - y), zero, q == zero);
  } else {
    let m = beta * p + (1.0 - beta) * q;
    let from_p = excess4(p, log_mix_ratio4(1.0 - beta, x - y, m, y), (1.0 - beta) * (q - p), m);
    let from_q = excess4(q, log_mix_ratio4(beta, y - x, m, x), beta * (p - q), m);
    l = beta * from_p + (1.0 - beta) * from_q;
  }
  return select(zero, l * kept_scale(), kept4(global));
}

fn pointwise_grad4(x: vec4<f32>, y: vec4<f32>, global: u32) -> vec4<f32> {
  let beta = params.beta;
  let q = exp(x);
  let zero = vec4<f32>(0.0);
  var g: vec4<f32>;
  if (beta == 0.0) {
    g = -exp(y);
  } else if (beta == 1.0) {
    g = select(q * (x - y) + q, zero, q == zero);
  } else {
    let m = beta * exp(y) + (1.0 - beta) * q;
    g = select(-(1.0 - beta) * q * log_mix_ratio4(beta, y - x, m, x), zero, q == zero);
  }
  let nan_in = is_nan4(x) | is_nan4(y);
  return select(select(zero, g * kept_scale(), kept4(global)), vec4<f32>(nan()), nan_in);
}
