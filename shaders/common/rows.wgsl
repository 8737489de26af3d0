// @use dispatch
// @needs uniforms: rows; overrides: WG, ROW_THREADS
// Which row a row kernel's invocation works on. The kernel declares the overrides WG and
// ROW_THREADS and the uniform rows.

// Row kernels (overrides WG and ROW_THREADS): ROW_THREADS consecutive invocations share a row.
// Workgroups past params.groups (a folded grid's remainder) hold only rows past params.rows.
struct RowSlot {
  row: u32,
  lane: u32,
  in_range: bool,
}

fn row_slot(wid: vec3u, nwg: vec3u, lid: u32) -> RowSlot {
  let row = linear_group(wid, nwg) * (WG / ROW_THREADS) + lid / ROW_THREADS;
  return RowSlot(row, lid % ROW_THREADS, row < params.rows);
}
