# The CPU worker image: WebAssembly with the native kernels (wasm+onednn: products on oneDNN), Debian's Fashion-MNIST, and dist/worker/main.js run as `node`.
# Build from the repository root: docker build -f docker/worker.Dockerfile -t ganforge/worker-cpu .

FROM node:20.20.2-bookworm-slim AS build
# A compiler, OpenBLAS' and oneDNN's headers for the native kernel addon (npm run build compiles it against Node's own headers).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++ make python3 libopenblas-dev libdnnl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json binding.gyp ./
COPY native ./native
COPY src ./src
RUN npm run build && test -f build/Release/ganforge_kernels.node && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim AS runtime
# libopenblas0 and libdnnl2: the libraries the native kernels link (GANFORGE_BLAS_THREADS sets their threads, default 1).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dataset-fashion-mnist libopenblas0 libdnnl2 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    GANFORGE_DATA_DIR=/data \
    GANFORGE_BACKEND=wasm
WORKDIR /app
# The artifact volume is mounted here; a new named volume takes this directory's owner, so uid 1000 can write to it.
RUN mkdir -p /data && chown node:node /data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release/ganforge_kernels.node ./build/Release/ganforge_kernels.node
USER node
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "dist/worker/healthcheck.js"]
# node handles SIGTERM itself: it finishes the iteration, checkpoints and hands the job back (see stop_grace_period).
# --max-semi-space-size: see src/worker/node-flags.ts
CMD ["node", "--max-semi-space-size=2", "dist/worker/main.js"]
