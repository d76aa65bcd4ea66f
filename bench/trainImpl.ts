/**
 * What the training benchmark drives: one implementation of "a training step on a batch", ours
 * or tfjs's, behind one interface so that bench/train.ts times them all the same way.
 */
import type { TrainBatch } from './trainData';
import type { KernelSum, TrainImpl } from './types';

export interface TrainStepper {
  readonly impl: TrainImpl;
  readonly description: string;
  /** Makes this implementation's backend current (tfjs has one global backend); cheap. */
  activate(): Promise<void>;
  /** Uploads the batch and issues one training step (forward, gradients, Adam) without waiting. */
  step(b: TrainBatch): void;
  /**
   * Waits for every issued step by reading a result back (ours: the loss accumulators, as the
   * training loop does every K steps; tfjs: the last step's loss). Returns the cross-entropy
   * (ours: mean over the steps since the last sync; tfjs: the last step's) and the whole objective.
   */
  sync(): Promise<{ ce: number; total: number }>;
  /** tfjs only: one step and its read-back under tf.profile, GPU time summed per kernel name. */
  profileStep?(b: TrainBatch): Promise<KernelSum[]>;
  dispose(): void;
}
