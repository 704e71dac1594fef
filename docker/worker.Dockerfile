# The CPU worker image: the WebAssembly backend, Debian's Fashion-MNIST, and dist/worker/main.js run as `node`.
# Build from the repository root: docker build -f docker/worker.Dockerfile -t ganforge/worker-cpu .

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dataset-fashion-mnist \
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
USER node
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "dist/worker/healthcheck.js"]
# node handles SIGTERM itself: it finishes the iteration, checkpoints and hands the job back (see stop_grace_period).
CMD ["node", "dist/worker/main.js"]
