// Times Baileys' synchronous decoder on payloads given as JSON on stdin, and returns what it
// decoded, for the wire benchmark (benches/bench_wire.py). Our code, driving Baileys' module.
//
//   node baileys_decode.mjs <path to baileys lib/WABinary> <iterations> <rounds> < corpus.json
//
// Input: [{"name": ..., "hex": <payload after the flags byte>}]. Output: one JSON object with,
// per item, the best nanoseconds per decode over the rounds and the decoded node.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [, , libDir, iterationsArg, roundsArg] = process.argv;
const decoder = await import(pathToFileURL(join(libDir, 'decode.js')).href);
const constants = await import(pathToFileURL(join(libDir, 'constants.js')).href);
const decode = decoder.decodeDecompressedBinaryNode;
const iterations = Number(iterationsArg);
const rounds = Number(roundsArg);
const corpus = JSON.parse(readFileSync(0, 'utf8'));

const plain = (node) => ({
  tag: node.tag,
  attrs: node.attrs,
  content: Array.isArray(node.content)
    ? node.content.map(plain)
    : node.content instanceof Uint8Array
      ? { bytes: Buffer.from(node.content).toString('hex') }
      : node.content ?? null,
});

const results = {};
for (const { name, hex } of corpus) {
  const buffer = Buffer.from(hex, 'hex');
  for (let i = 0; i < iterations; i++) decode(buffer, constants, { index: 0 }); // warm up the JIT
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) decode(buffer, constants, { index: 0 });
    const elapsed = Number(process.hrtime.bigint() - start) / iterations;
    best = Math.min(best, elapsed);
  }
  results[name] = { ns: best, node: plain(decode(buffer, constants, { index: 0 })) };
}
process.stdout.write(JSON.stringify({ node: process.version, results }));
