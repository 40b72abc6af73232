// A graph node: what one op recorded to run its backward — its inputs, the closure, and saved-tensor versions.
import type { Tensor } from '../tensor/tensor.js';

/** Returns one gradient per input (null where that input needs none). `needs[i]` says which are wanted. */
export type BackwardFn = (grad: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

export class GradNode {
  /** Version of each input (and of the output, last) when recorded: a later in-place change is an error. */
  readonly versions: number[];
  backwardFn: BackwardFn | null;

  constructor(
    readonly name: string,
    public inputs: Tensor[],
    backwardFn: BackwardFn,
    readonly output: Tensor,
  ) {
    this.backwardFn = backwardFn;
    this.versions = inputs.map((t) => t.version);
    this.versions.push(output.version);
  }

  /** Drop the closure (and with it the saved activations) once backward has consumed it. */
  free(): void {
    this.backwardFn = null;
    this.inputs = [];
  }

  get freed(): boolean {
    return this.backwardFn === null;
  }
}
