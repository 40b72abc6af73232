# The native backend (weightroom.node). Each instruction set's kernels are a separate static library so
# that only that file is compiled with -mavx512f / -mavx2 -mfma; the addon itself is baseline x86-64 and
# picks a kernel table at run time (native/src/cpu.cc). Never -march=native: a build must run on any CPU.
{
  "target_defaults": {
    "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fPIC", "-fvisibility=hidden", "-Wno-unused-function"],
    "cflags_cc": ["-std=c++17"],
    "cflags!": ["-O2", "-flto"],
    "xcode_settings": {
      "OTHER_CFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math"],
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    }
  },
  "targets": [
    {
      "target_name": "weightroom_avx512",
      "type": "static_library",
      "sources": ["native/src/isa_avx512.cc"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags": ["-mavx512f", "-mfma", "-mprefer-vector-width=512"],
          "xcode_settings": {"OTHER_CFLAGS": ["-mavx512f", "-mfma", "-mprefer-vector-width=512"]}
        }]
      ]
    },
    {
      "target_name": "weightroom_avx2",
      "type": "static_library",
      "sources": ["native/src/isa_avx2.cc"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags": ["-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CFLAGS": ["-mavx2", "-mfma"]}
        }]
      ]
    },
    {
      "target_name": "weightroom",
      "dependencies": ["weightroom_avx512", "weightroom_avx2"],
      "sources": [
        "native/src/addon.cc",
        "native/src/addon_ops.cc",
        "native/src/cpu.cc",
        "native/src/parallel.cc",
        "native/src/workspace.cc",
        "native/src/memory.cc",
        "native/src/gemm.cc",
        "native/src/conv.cc",
        "native/src/conv_lowering.cc",
        "native/src/conv_depthwise.cc",
        "native/src/conv_winograd.cc",
        "native/src/conv_taps.cc",
        "native/src/elementwise.cc",
        "native/src/reduce.cc",
        "native/src/norm.cc",
        "native/src/pool.cc",
        "native/src/optim.cc",
        "native/src/isa_portable.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "libraries": ["-pthread"],
      "conditions": [["OS=='linux'", {"libraries": ["-ldl"]}]]
    }
  ]
}
