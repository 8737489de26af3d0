// After a kernel recorded the first bad class-index position in status[0], copy the label found
// there into status[1], so read() can name both. One thread.

struct Params {
  groups: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(1)
fn main() {
  let pos = status[0];
  if (pos != NO_POSITION) {
    status[1] = targets[pos];
  }
}
