// nn: functional ops now; modules, layers and losses as classes come with the nn issue.
export * as functional from './functional/index.js';
