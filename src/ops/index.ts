// Differentiable ops: every op validates, computes through the backend and records its backward.
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './matmul.js';
export * from './softmax.js';
export { detachIf, scalarTensor, empty } from './util.js';
