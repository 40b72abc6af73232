// The pure-TypeScript reference backend: every kernel in float32 and float64, the correctness oracle and fallback.
import type { Backend } from '../backend.js';
import { allocStorage } from '../../tensor/dtype.js';
import { binary, clamp, expand, unary, unaryGrad, where } from './elementwise.js';
import { argReduce, reduce, softmax, softmaxGrad } from './reduce.js';
import { matmul } from './matmul.js';
import {
  copyAxis,
  gather,
  indexAdd,
  indexSelect,
  pad,
  permute,
  scatterAdd,
  sliceAxis,
  sliceAxisBackward,
} from './layout.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv.js';
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool2d,
  maxPool2dBackward,
} from './pool.js';
import { batchNormApply, batchNormBackward, batchNormStats } from './norm.js';

export const jsBackend: Backend = {
  name: 'js',
  alloc: allocStorage,
  unary,
  unaryGrad,
  binary,
  clamp,
  where,
  expand,
  reduce,
  argReduce,
  matmul,
  permute,
  copyAxis,
  sliceAxis,
  sliceAxisBackward,
  indexSelect,
  indexAdd,
  gather,
  scatterAdd,
  pad,
  softmax,
  softmaxGrad,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  batchNormStats,
  batchNormApply,
  batchNormBackward,
};
