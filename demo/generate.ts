// The decoding section: a tiny character-level language model trained in the page (TF.js, its
// head's loss and gradients from webgpu-xent/tfjs's fused linearCrossEntropy), then text generated
// on the GPU by xent.sample with the page's temperature, top-k, top-p and min-p, each character
// shown with the most probable alternatives the sampler saw. Only the token (4 bytes) and its
// alternatives come back per step, never the logits row.
import type * as TF from "@tensorflow/tfjs";
import { tfAndLosses } from "./train.js";

/** The corpus: the project's own tutorial sentences. */
const kText = [
  "entropy is the average surprise of a distribution. cross entropy is the surprise of the truth under the model. ",
  "the cross entropy of p and q is the entropy of p plus the kl divergence from p to q. ",
  "with one hot targets the cross entropy is the negative log likelihood of the true class. ",
  "softmax turns logits into probabilities; the log sum exp keeps the large logits finite. ",
  "a sampler draws the next token from the softmax of the logits, after top k, top p and min p keep the likely ones. ",
].join("");

const kContext = 3;
const kEmbed = 12;
const kHidden = 64;

export interface GenerateOptions {
  trainSteps?: number;
  length?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  seed?: number;
  /** Start of the text (default "the "). */
  prompt?: string;
}

export interface GeneratedChar {
  char: string;
  /** The sampled character's probability under the distribution it was drawn from. */
  p: number;
  /** The three most probable characters (processed distribution) and their probabilities. */
  alternatives: { char: string; p: number }[];
}

export interface GenerateResult {
  vocabulary: string;
  /** The training loss per step (nats). */
  losses: number[];
  text: string;
  chars: GeneratedChar[];
  msPerToken: number;
}

interface Model {
  tf: typeof TF;
  vocabulary: string;
  embed: TF.Variable;
  W1: TF.Variable;
  b1: TF.Variable;
  classifier: TF.Variable;
  bias: TF.Variable;
}

let trained: { steps: number; model: Model; losses: number[] } | undefined;

/** hidden = tanh(concat(embeddings of the context) · W1 + b1): [N, kHidden]. */
function hidden(m: Model, contexts: TF.Tensor2D): TF.Tensor2D {
  const { tf } = m;
  const e = tf.reshape(tf.gather(m.embed, tf.reshape(contexts, [-1])), [contexts.shape[0], kContext * kEmbed]);
  return tf.tanh(tf.add(tf.matMul(e, m.W1), m.b1)) as TF.Tensor2D;
}

/** Trains the model (once per step count): Adam on every position of the corpus, the head's loss fused. */
async function train(steps: number, onStep?: (step: number, loss: number) => void): Promise<{ model: Model; losses: number[] }> {
  if (trained && trained.steps === steps) return trained;
  const { tf, losses: xl } = await tfAndLosses();
  const vocabulary = [...new Set(kText)].sort().join("");
  const ids = Int32Array.from(kText, (c) => vocabulary.indexOf(c));
  const n = ids.length - kContext;
  const contexts = tf.tensor2d(
    Int32Array.from({ length: n * kContext }, (_, k) => ids[Math.floor(k / kContext) + (k % kContext)] as number),
    [n, kContext],
    "int32",
  );
  const targets = tf.tensor1d(ids.slice(kContext), "int32");
  const v = vocabulary.length;
  const model: Model = {
    tf,
    vocabulary,
    embed: tf.variable(tf.randomNormal([v, kEmbed], 0, 0.5, "float32", 11)),
    W1: tf.variable(tf.randomNormal([kContext * kEmbed, kHidden], 0, 0.3, "float32", 12)),
    b1: tf.variable(tf.zeros([kHidden])),
    classifier: tf.variable(tf.randomNormal([v, kHidden], 0, 0.1, "float32", 13)),
    bias: tf.variable(tf.zeros([v])),
  };
  const optimizer = tf.train.adam(0.02);
  const history: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => xl.linearCrossEntropy(hidden(model, contexts), model.classifier, targets, { bias: model.bias }) as TF.Scalar,
      true,
    ) as TF.Scalar;
    const value = (await loss.data())[0] as number;
    loss.dispose();
    history.push(value);
    onStep?.(step, value);
  }
  await xl.check();
  tf.dispose([contexts, targets]);
  optimizer.dispose();
  if (trained) tf.dispose([trained.model.embed, trained.model.W1, trained.model.b1, trained.model.classifier, trained.model.bias]);
  trained = { steps, model, losses: history };
  return trained;
}

/** Trains (or reuses) the model, then generates `length` characters with the sampler's options. */
export async function generate(o: GenerateOptions = {}, onStep?: (step: number, loss: number) => void): Promise<GenerateResult> {
  const { model, losses } = await train(o.trainSteps ?? 150, onStep);
  const { tf, vocabulary } = model;
  const { losses: xl } = await tfAndLosses();
  const prompt = (o.prompt ?? "the ").split("").filter((c) => vocabulary.includes(c));
  const context = prompt.slice(-kContext).map((c) => vocabulary.indexOf(c));
  while (context.length < kContext) context.unshift(vocabulary.indexOf(" "));
  const chars: GeneratedChar[] = [];
  const start = performance.now();
  for (let step = 0; step < (o.length ?? 80); step++) {
    const logits = tf.tidy(() => {
      const h = hidden(model, tf.tensor2d(Int32Array.from(context.slice(-kContext)), [1, kContext], "int32"));
      return tf.add(tf.matMul(h, model.classifier, false, true), model.bias);
    });
    const r = xl.sample(logits, {
      temperature: o.temperature ?? 0.8,
      topK: o.topK ?? 0,
      topP: o.topP ?? 1,
      minP: o.minP ?? 0,
      seed: o.seed ?? 1,
      step,
      logprobs: 3,
      logprobsOf: "processed",
    });
    const [token, lp, top, topIds] = await Promise.all([
      r.tokens.data(),
      r.logprob!.data(),
      r.topLogprobs!.values.data(),
      r.topLogprobs!.indices.data(),
    ]);
    tf.dispose([logits, r.tokens, r.logprob!, r.topLogprobs!.values, r.topLogprobs!.indices]);
    const t = token[0] as number;
    chars.push({
      char: vocabulary[t] ?? "?",
      p: Math.exp(lp[0] as number),
      alternatives: Array.from(topIds, (id, j) => ({ char: vocabulary[id] ?? "?", p: Math.exp(top[j] as number) })),
    });
    context.push(t);
  }
  await xl.check();
  return {
    vocabulary,
    losses,
    text: prompt.join("") + chars.map((c) => c.char).join(""),
    chars,
    msPerToken: (performance.now() - start) / Math.max(1, chars.length),
  };
}

/** The generated text, each character with its probability and alternatives as a tooltip. */
export function renderGenerated(into: HTMLElement, r: GenerateResult, prompt: string): void {
  into.replaceChildren();
  const lead = document.createElement("b");
  lead.textContent = prompt;
  into.append(lead);
  for (const c of r.chars) {
    const span = document.createElement("span");
    span.textContent = c.char;
    span.className = "token";
    span.title = `p = ${c.p.toFixed(3)}; top: ${c.alternatives.map((a) => `"${a.char}" ${a.p.toFixed(3)}`).join(", ")}`;
    // Darker where the sampler was surer.
    span.style.background = `rgba(9, 105, 218, ${(0.08 + 0.4 * (1 - c.p)).toFixed(2)})`;
    into.append(span);
  }
}
