# The NVIDIA GPU worker image: @tensorflow/tfjs-node-gpu 4.22 (libtensorflow 2.9, CUDA 11.2, cuDNN 8.1) on CUDA's Ubuntu.
# Build from the repository root: docker build -f docker/worker-gpu.Dockerfile -t ganforge/worker-gpu .
# libtensorflow and the addon come from storage.googleapis.com unless a mirror is given (see README, "Docker"):
#   --build-arg TFJS_NODE_CDN_STORAGE=https://mirror.example/   serves tensorflow/libtensorflow/… and tf-builds/…
#   --build-arg TFJS_NODE_BASE_URI=https://mirror.example/libtensorflow-   libtensorflow only (…gpu-linux-x86_64-2.9.1.tar.gz)
#   --build-arg TFJS_BINDING_HOST_MIRROR=https://mirror.example/pre-built-binary   the addon only

FROM node:20.20.2-bookworm-slim AS node

# Debian's Fashion-MNIST package, copied into the Ubuntu runtime below.
FROM node:20.20.2-bookworm-slim AS datasets
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# CUDA 11.2 + cuDNN 8.1 with the official Node 20 binaries (glibc 2.28+; Ubuntu 20.04 has 2.31) and a uid-1000 user
# named `node`, like the other images, so all of them can write the shared artifact volume.
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS cuda-node
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version

# Production dependencies installed on the runtime's own distribution, so a native addon built as a fallback links
# against the glibc it will run with.
FROM cuda-node AS gpu-deps
# Only Ubuntu's archive is needed here; CUDA's apt source has had its signing key rotated under old images.
RUN rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
ARG TFJS_NODE_CDN_STORAGE=""
ARG TFJS_NODE_BASE_URI=""
ARG TFJS_BINDING_HOST_MIRROR=""
# tfjs-node-gpu is an optional peer dependency, so npm ci leaves it out. Its install script downloads libtensorflow
# (TFJS_NODE_CDN_STORAGE / TFJS_NODE_BASE_URI) and the prebuilt addon through node-pre-gyp, whose host is
# npm_config_tfjs_binding_binary_host_mirror; when the addon cannot be fetched it is compiled against /usr/local's
# headers. npm 11 wants install scripts allowed (--allow-scripts); npm 10, this image's, warns and runs them anyway.
RUN set -eu; \
    [ -z "$TFJS_NODE_CDN_STORAGE" ] || export TFJS_NODE_CDN_STORAGE; \
    [ -z "$TFJS_NODE_BASE_URI" ] || export TFJS_NODE_BASE_URI; \
    addon_host="${TFJS_BINDING_HOST_MIRROR:-${TFJS_NODE_CDN_STORAGE:+${TFJS_NODE_CDN_STORAGE%/}/tf-builds/pre-built-binary}}"; \
    [ -z "$addon_host" ] || export npm_config_tfjs_binding_binary_host_mirror="$addon_host"; \
    npm_config_nodedir=/usr/local npm install --no-save --omit=dev --no-audit --no-fund \
      --allow-scripts=@tensorflow/tfjs-node-gpu @tensorflow/tfjs-node-gpu@4.22.0; \
    ls node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so.* \
       node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v*/tfjs_binding.node

FROM cuda-node AS runtime
# TF_FORCE_GPU_ALLOW_GROWTH: TensorFlow otherwise reserves nearly all GPU memory at start, and a second worker on the
# same GPU (more workers than GPUs, see GANFORGE_GPU) fails.
# NVIDIA_DRIVER_CAPABILITIES: `utility` makes the NVIDIA Container Toolkit mount nvidia-smi, with which each worker
# lists the GPUs to claim one (compute alone would hide it). CUDA's base image sets the same; stated here so the
# worker does not depend on it (compose's `capabilities: [gpu]` sets no driver capability, so this value applies).
ENV NODE_ENV=production \
    GANFORGE_DATA_DIR=/data \
    GANFORGE_BACKEND=tensorflow-gpu \
    TF_FORCE_GPU_ALLOW_GROWTH=true \
    TF_CPP_MIN_LOG_LEVEL=1 \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY --from=datasets /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist
WORKDIR /app
# The artifact volume is mounted here; a new named volume takes this directory's owner, so uid 1000 can write to it.
RUN mkdir -p /data && chown node:node /data
COPY --from=gpu-deps /app/package.json ./
COPY --from=gpu-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "dist/worker/healthcheck.js"]
# node handles SIGTERM itself: it finishes the iteration, checkpoints and hands the job back (see stop_grace_period).
# --max-semi-space-size: see src/worker/node-flags.ts
CMD ["node", "--max-semi-space-size=2", "dist/worker/main.js"]
