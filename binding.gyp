{
  "variables": {
    "onednn%": 0
  },
  "targets": [
    {
      "target_name": "ganforge_kernels",
      "sources": ["native/ganforge_kernels.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-ffp-contract=off", "-fno-math-errno"],
      "libraries": ["-lopenblas"],
      "conditions": [
        ["onednn==1", {
          "defines": ["GANFORGE_ONEDNN"],
          "libraries": ["-ldnnl", "-lgomp"]
        }]
      ]
    }
  ]
}
