// @use dispatch
// @needs uniforms: rows, classes, chunks, chunk_len
// Which (row, chunk) of a split row a workgroup works on. The kernel declares the uniforms rows,
// classes, chunks and chunk_len.

// A long row split across workgroups: one workgroup per (row, chunk of params.chunk_len classes).
// Workgroups past params.groups hold only rows past params.rows.
struct Chunk {
  group: u32,
  row: u32,
  c0: u32,
  c1: u32,
  in_range: bool,
}

fn chunk_slot(wid: vec3u, nwg: vec3u) -> Chunk {
  let group = linear_group(wid, nwg);
  let row = group / params.chunks;
  let c0 = (group % params.chunks) * params.chunk_len;
  return Chunk(group, row, c0, min(c0 + params.chunk_len, params.classes), row < params.rows);
}
