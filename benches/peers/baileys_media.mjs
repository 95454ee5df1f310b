// Times Baileys' media code on a file, for the media benchmark (benches/bench_media.py). Our
// code, driving Baileys' own functions from lib/Utils/messages-media.js.
//
//   node baileys_media.mjs <node_modules> <plaintext path> <rounds> [<media host> <auth>]
//
// encrypt: encryptedStream({url: path}, 'document'), which streams the file through AES-CBC,
// the HMAC and both SHA-256s into an encrypted temporary file (what sendMessage does first).
// With a media host (host:port, plain HTTP on loopback) and its upload token, also:
// upload: encryptedStream, then uploadWithNodeHttp of the encrypted file to the per-type path
// (what Baileys' upload function calls under Node, with http:// for the loopback host);
// download: downloadContentFromMessage({mediaKey, url}) piped into a file.
//
// CPU: process.cpuUsage (user and system, every thread). Memory: before each round /proc/self/clear_refs resets VmHWM to the current RSS; the round's
// figure is VmHWM minus that RSS (the most over the rounds). Output: one JSON line.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , modules, plainPath, roundsArg, host, auth] = process.argv;
const media = await import(pathToFileURL(join(modules, 'baileys/lib/Utils/messages-media.js')).href);
const rounds = Number(roundsArg);

const status = (field) => {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(field + ':'));
  return Number(line.split(/\s+/)[1]) * 1024;
};
const resetPeak = () => {
  globalThis.gc?.();
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return status('VmRSS');
  } catch {
    return undefined; // only Linux can reset the peak
  }
};
const sha256File = async (path) => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
};

const measure = async (work) => {
  let best = Infinity;
  let bestCpu = Infinity;
  let peak = 0;
  for (let n = 0; n < rounds; n++) {
    const base = resetPeak();
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    const used = process.cpuUsage(cpu);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
    peak = base === undefined ? -1 : Math.max(peak, status('VmHWM') - base); // -1: not measured
  }
  return { seconds: best, cpu_seconds: bestCpu, peak_rss_bytes: peak };
};

const result = { node: process.versions.node };
result.encrypt = await measure(async () => {
  const enc = await media.encryptedStream({ url: plainPath }, 'document');
  unlinkSync(enc.encFilePath);
});

if (host) {
  let uploaded;
  result.upload = await measure(async () => {
    const enc = await media.encryptedStream({ url: plainPath }, 'document');
    const token = media.encodeBase64EncodedStringForUpload(enc.fileEncSha256.toString('base64'));
    const url = `http://${host}/mms/document/${token}?auth=${encodeURIComponent(auth)}&token=${token}`;
    const headers = { 'Content-Type': 'application/octet-stream', Origin: 'https://web.whatsapp.com' };
    const answer = await media.uploadWithNodeHttp({ url, filePath: enc.encFilePath, headers });
    unlinkSync(enc.encFilePath);
    if (!answer?.direct_path) throw new Error(`upload refused: ${JSON.stringify(answer)}`);
    uploaded = { mediaKey: enc.mediaKey, directPath: answer.direct_path };
  });
  const target = plainPath + '.baileys';
  result.download = await measure(async () => {
    const stream = await media.downloadContentFromMessage(
      { mediaKey: uploaded.mediaKey, url: `http://${host}${uploaded.directPath}` },
      'document',
    );
    const file = createWriteStream(target);
    stream.pipe(file);
    await once(file, 'finish');
  });
  result.sameBytes = (await sha256File(target)) === (await sha256File(plainPath));
  unlinkSync(target);
}
process.stdout.write(JSON.stringify(result) + '\n');
