// Runs when `node-gyp rebuild` fails during install: the package still installs and works on the
// TypeScript kernels; say so once instead of failing the whole `npm install`.
console.warn(
  'weightroom: the native backend could not be built (see the node-gyp output above); weightroom will use ' +
    'its much slower TypeScript kernels. Install a C++ toolchain (g++/clang, make, python3) and run ' +
    '`npm rebuild weightroom` to enable it.',
);
