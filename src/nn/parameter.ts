// Parameter: a leaf Tensor that a Module registers as trainable (requiresGrad on by default), sharing the
// source tensor's buffer like torch.nn.Parameter.
import { Tensor } from '../tensor/tensor.js';

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.data, data.shape, data.dtype);
    if (requiresGrad) this.requiresGrad = true;
  }
}
