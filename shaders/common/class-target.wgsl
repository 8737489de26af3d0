// @needs overrides: IGNORE_INDEX, TARGET_UNSIGNED
// Class-index targets, i32 (or u32 with the TARGET_UNSIGNED override): ignored when equal to
// ignore_index (and the IGNORE_INDEX override is set), bad when outside [0, classes) and not
// ignored. A u32 label equals ignore_index only as the same non-negative number: 4294967196 has
// the bits of -100 but is a bad label, like every u32 label of 2^31 or more.
struct ClassTarget {
  index: u32,
  ignored: bool,
  bad: bool,
}

fn class_target(raw: u32, ignore_index: i32, classes: u32) -> ClassTarget {
  let signed = bitcast<i32>(raw);
  var ignored = false;
  if (IGNORE_INDEX) {
    ignored = select(signed == ignore_index, ignore_index >= 0 && raw == bitcast<u32>(ignore_index), TARGET_UNSIGNED);
  }
  // A negative i32 label is ≥ 2^31 as u32, beyond any class count a buffer can hold.
  let bad = !ignored && raw >= classes;
  return ClassTarget(raw, ignored, bad);
}
