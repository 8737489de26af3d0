// @use numbers
// Compensated (Kahan) sums, in a fixed order. An infinite partial sum keeps comp at 0: (t − sum) − y
// would be inf − inf = NaN there, and turn a −inf loss (a target of −inf) into NaN at the next add.

struct Kahan {
  sum: f32,
  comp: f32,
}

fn kahan_add(k: Kahan, v: f32) -> Kahan {
  let y = v - k.comp;
  let t = k.sum + y;
  return Kahan(t, select((t - k.sum) - y, 0.0, abs(t) == pos_inf()));
}

struct Kahan4 {
  sum: vec4<f32>,
  comp: vec4<f32>,
}

fn kahan_add4(k: Kahan4, v: vec4<f32>) -> Kahan4 {
  let y = v - k.comp;
  let t = k.sum + y;
  return Kahan4(t, select((t - k.sum) - y, vec4<f32>(0.0), abs(t) == vec4<f32>(pos_inf())));
}
