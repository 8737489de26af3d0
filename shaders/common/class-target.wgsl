// Class-index targets, i32 (or u32 with the TARGET_UNSIGNED override): ignored when equal to
// ignore_index, bad when outside [0, classes) and not ignored.
struct ClassTarget {
  index: u32,
  ignored: bool,
  bad: bool,
}

fn class_target(raw: u32, ignore_index: i32, classes: u32) -> ClassTarget {
  let signed = bitcast<i32>(raw);
  let ignored = select(signed == ignore_index, raw == bitcast<u32>(ignore_index), TARGET_UNSIGNED);
  let bad = !ignored && ((!TARGET_UNSIGNED && signed < 0) || raw >= classes);
  return ClassTarget(raw, ignored, bad);
}
