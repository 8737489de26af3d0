// Where a workgroup's work lies. A row is one (outer, inner) pair of the [outer, classes, inner]
// view of a tensor; its `classes` elements sit `inner` apart.

// Workgroup counts above the per-dimension limit are folded into y by the host.
fn linear_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// Index of element (row, class 0); class c is at row_base + c * inner.
fn row_base(row: u32, classes: u32, inner: u32) -> u32 {
  let o = row / inner;
  return o * classes * inner + (row - o * inner);
}
