// @use numbers
// @needs bindings: targets, status
// A kernel that checks class indices records the first bad position in status[0]; this copies
// the label found there into status[1], so read() can name both. The kernel declares the bindings
// `targets: array<u32>` and `status: array<u32>`.
fn copy_bad_label() {
  let pos = status[0];
  if (pos != NO_POSITION) {
    status[1] = targets[pos];
  }
}
