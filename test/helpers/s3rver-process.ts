// Entry of the S3-compatible test server (s3rver) in its own process; prints "s3rver listening on PORT" when ready.
// s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only has with
// --openssl-legacy-provider: a flag for this process alone, so the tests and the code under test keep the default.
import S3rver from 's3rver';

const [directory, bucket, wantedPort = '0'] = process.argv.slice(2);
if (!directory || !bucket) throw new Error('usage: s3rver-process.ts DIRECTORY BUCKET [PORT]');
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(wantedPort),
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const { port } = await server.run();
process.stdout.write(`s3rver listening on ${port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
