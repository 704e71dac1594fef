# The API image: builds with the CI's npm scripts (npm ci, npm run build), then runs dist/api/server.js as `node`.
# Build from the repository root: docker build -f docker/api.Dockerfile -t ganforge/api .

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    GANFORGE_DATA_DIR=/data
WORKDIR /app
# The artifact volume is mounted here; a new named volume takes this directory's owner, so uid 1000 can write to it.
RUN mkdir -p /data && chown node:node /data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Files the API reads beside its code: tsc compiles only .ts, so the dashboard's static files are copied next to
# dist/dashboard/, where the dashboard plugin looks first; openapi.yaml is served as the committed contract.
COPY --from=build /app/src/dashboard/public ./dist/dashboard/public
COPY openapi.yaml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/api/server.js"]
