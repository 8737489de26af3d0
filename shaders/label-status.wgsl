// @use status-label
// The label-status step on its own (one thread), for outputs without a reduction ('none').
@compute @workgroup_size(1)
fn main() {
  copy_bad_label();
}
