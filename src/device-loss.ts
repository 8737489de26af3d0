/**
 * Errors that a lost device causes as well as their own cause (a failed copy, mapping or error
 * scope): `read()` waits briefly for the device's `lost` promise on these only, and says so when
 * it settles (XentCore.explainFailure). Every other failure (a bad label, a validation error of
 * the op, an unsubmitted encoder) is reported at once.
 */
const kMaybeDeviceLoss = new WeakSet<Error>();

/** Marks `error` as one a device loss may be behind; returns it. */
export function maybeDeviceLoss(error: Error): Error {
  kMaybeDeviceLoss.add(error);
  return error;
}

export function isMaybeDeviceLoss(error: unknown): boolean {
  return error instanceof Error && kMaybeDeviceLoss.has(error);
}
