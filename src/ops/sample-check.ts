/**
 * The sampler's GPU-side failures (shaders/sample.wgsl): status[0] = row · 4 + reason of the
 * first failing row, status[1] = the flat position of the first history token out of range.
 */
import { StatusWords } from "../label-check.js";

const kNone = 0xffffffff;
const kBadLogit = 1;
const kNoToken = 2;
const kBadHistory = 3;

export class SampleCheck extends StatusWords {
  /** `pooled`: the op submits its own work (see StatusWords). */
  constructor(
    device: GPUDevice,
    private readonly op: string,
    private readonly classes: number,
    /** History length L (its rows are [N, L]). */
    private readonly historyLength: number,
    pooled: boolean,
  ) {
    super(device, op, "status", [kNone, kNone, 0, 0], pooled);
  }

  errorFor(status: Uint32Array): RangeError | undefined {
    const word = status[0] ?? kNone;
    if (word === kNone) return undefined;
    const row = Math.floor(word / 4);
    const reason = word % 4;
    if (reason === kBadLogit) return new RangeError(`${this.op}: row ${row}: the processed logits hold NaN or +Infinity`);
    if (reason === kNoToken)
      return new RangeError(
        `${this.op}: row ${row}: no token is allowed (every processed logit is -Infinity: check allowed and logitBias)`,
      );
    if (reason === kBadHistory) {
      const pos = status[1] ?? 0;
      const j = this.historyLength > 0 ? pos % this.historyLength : 0;
      return new RangeError(`${this.op}: history[${row}, ${j}] holds a token outside [0, ${this.classes}) that is not -1 (padding)`);
    }
    return new RangeError(`${this.op}: row ${row}: failed on the GPU (status ${word})`);
  }
}
