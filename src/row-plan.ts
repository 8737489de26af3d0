/**
 * How a row op maps onto workgroups, chosen on the host from the shape and the adapter.
 * Few classes, or a class dim that is not last (neighbouring rows are neighbours in memory):
 * one thread per row, no barriers. Otherwise a group of threads per row with strided,
 * coalesced loads and a tree merge.
 */
import type { RowView } from "./shape.js";

export interface RowPlan {
  /** Workgroup size (the WG override). */
  workgroupSize: number;
  /** Threads cooperating on one row (the ROW_THREADS override); divides workgroupSize. */
  rowThreads: number;
  workgroups: number;
}

export interface PlanLimits {
  maxComputeInvocationsPerWorkgroup: number;
}

export function planRows(view: RowView, limits: PlanLimits): RowPlan {
  const maxWG = Math.min(256, limits.maxComputeInvocationsPerWorkgroup);
  let rowThreads: number;
  if (view.inner > 1 || view.classes <= 64) rowThreads = 1;
  else if (view.classes <= 2048) rowThreads = Math.min(32, maxWG);
  else rowThreads = maxWG;
  const workgroupSize = rowThreads === 1 ? Math.min(64, maxWG) : Math.max(rowThreads, Math.min(64, maxWG));
  const rowsPerGroup = workgroupSize / rowThreads;
  return { workgroupSize, rowThreads, workgroups: Math.ceil(view.rows / rowsPerGroup) };
}
