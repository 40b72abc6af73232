// weightroom.data: datasets, samplers, collation and the DataLoader (torch.utils.data), plus the Image type.
export {
  Subset,
  ConcatDataset,
  TensorDataset,
  randomSplit,
  datasetFromSpec,
  type Dataset,
  type SampleContext,
  type SampleOf,
  type WorkerSpec,
} from './dataset.js';
export {
  SequentialSampler,
  RandomSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
  BatchSampler,
  type Sampler,
  type RandomSamplerOptions,
} from './sampler.js';
export { defaultCollate } from './collate.js';
export { DataLoader, type DataLoaderOptions, type Collated } from './dataloader.js';
export { sampleGenerator, type SkippedSample } from './fetch.js';
export { Image } from './image.js';
