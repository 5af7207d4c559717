# The booking service image. BASE_IMAGE is any Debian-based image with Node.js 20 and npm; where no
# registry is reachable, `make image` builds one locally and passes it here.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY app/package.json app/
RUN npm ci --no-audit --no-fund --loglevel=error
COPY app/tsconfig.json app/
COPY app/src app/src
RUN npm run -w app build && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /srv
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/app/package.json app/package.json
COPY --from=build /src/app/dist app/dist
# A numeric non-root user, so runAsNonRoot can be verified without a passwd entry.
USER 10001:10001
EXPOSE 3000
CMD ["node", "app/dist/main.js"]
