// weightroom.datasets: torchvision.datasets' names (MNIST family, CIFAR, ImageFolder) plus ImageCSV, IDX and
// image-file helpers, downloads, and the Fashion-MNIST starter subset shipped in the package.
export {
  MNIST,
  FashionMNIST,
  KMNIST,
  EMNIST,
  EMNIST_SPLITS,
  type EMNISTSplit,
  type MNISTOptions,
} from './mnist.js';
export { CIFAR10, CIFAR100, type CIFAROptions } from './cifar.js';
export { ImageFolder, type ImageFolderOptions, type FolderSample } from './image-folder.js';
export { ImageCSV, parseCsvLine, type ImageCSVOptions } from './csv.js';
export { readIdx, parseIdx, encodeIdxU8, type IdxArray } from './idx.js';
export { decodeImage, encodePng, encodeJpeg, IMG_EXTENSIONS } from './decode.js';
export {
  downloadFile,
  downloadResources,
  extractTar,
  md5File,
  type Resource,
  type DownloadOptions,
} from './download.js';
