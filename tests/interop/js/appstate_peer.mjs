// Baileys 7.0.0-rc14's app-state sync (syncd) code, for wabus's interop tests
// (tests/interop/test_appstate_js.py) and benches/bench_appstate.py.
//
//   node appstate_peer.mjs
//
// Every answer is computed by Baileys' own functions: key expansion and the LTHash from
// whatsapp-rust-bridge (what Baileys' lib/Utils/chat-utils.js and lt-hash.js call), and
// encodeSyncdPatch, decodePatches, decodeSyncdSnapshot and processSyncAction from
// lib/Utils/chat-utils.js. It reads one JSON request per line on stdin and writes one JSON
// reply per line on stdout: {"ok": true, ...} or {"ok": false, "error": "..."}. Bytes travel as
// base64. A collection state is {version, hash, indexValueMap: {b64 index MAC: b64 value MAC}};
// keys are {b64 key id: b64 key data}. Requests ({"op": ..., ...}):
//
//   expand {keyData}                         -> {indexKey, valueEncryptionKey, valueMacKey,
//                                                snapshotMacKey, patchMacKey}
//   lthash {hash, add [], subtract []}        -> {hash}
//   encode {keyId, keyData, state, name, index, action, apiVersion, operation}
//                                            -> {patch (SyncdPatch bytes), state}
//                                               (action: a SyncActionValue as JSON)
//   decodePatches {name, patches [], state, keys}   (a patch without a version is numbered
//                                            from state.version, as extractSyncdPatches does)
//                                            -> {state, mutations [{index, action}], events
//                                                [[name, payload]], warnings []}
//   decodeSnapshot {name, snapshot, keys}    -> {state, count, warnings []}
//   benchSnapshot {name, path, keys, rounds} -> {seconds (best round), peakBytes, maxRssBytes,
//                                                count, node}   (path: a SyncdSnapshot file)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { LTHashAntiTampering, expandAppStateKeys } from 'whatsapp-rust-bridge';
import { proto } from 'baileys/WAProto/index.js';
import {
  decodePatches,
  decodeSyncdSnapshot,
  encodeSyncdPatch,
  processSyncAction,
} from 'baileys/lib/Utils/chat-utils.js';

const b64 = (buffer) => Buffer.from(buffer).toString('base64');
const bytes = (text) => Buffer.from(text, 'base64');
const lthash = new LTHashAntiTampering();

const toState = (state) => ({
  version: state.version,
  hash: bytes(state.hash),
  indexValueMap: Object.fromEntries(
    Object.entries(state.indexValueMap).map(([k, v]) => [k, { valueMac: bytes(v) }]),
  ),
});
const fromState = (state) => ({
  version: Number(state.version),
  hash: b64(state.hash),
  indexValueMap: Object.fromEntries(
    Object.entries(state.indexValueMap).map(([k, v]) => [k, b64(v.valueMac)]),
  ),
});
const keyStore = (keys) => async (id) => {
  const data = keys[id];
  return data === undefined ? undefined : { keyData: bytes(data) };
};
const recorder = () => {
  const warnings = [];
  const note = (level) => (obj, msg) => warnings.push(`${level}: ${msg ?? obj}`);
  return {
    warnings,
    logger: {
      warn: note('warn'),
      error: note('error'),
      info: () => {},
      debug: () => {},
      trace: () => {},
      child: () => recorder().logger,
    },
  };
};
const actionJson = (value) =>
  proto.SyncActionValue.toObject(value, { longs: Number, bytes: String, defaults: false });

// This process's peak RSS: VmHWM where /proc has it (getrusage's maxRSS survives exec, so a
// child would report its parent's peak), else maxRSS.
const peakRss = () => {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    if (line) return Number(line.split(/\s+/)[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
};

const handlers = {
  expand({ keyData }) {
    const keys = expandAppStateKeys(bytes(keyData));
    const names = ['indexKey', 'valueEncryptionKey', 'valueMacKey', 'snapshotMacKey', 'patchMacKey'];
    return Object.fromEntries(names.map((name) => [name, b64(keys[name])]));
  },
  lthash({ hash, add, subtract }) {
    const result = lthash.subtractThenAdd(bytes(hash), subtract.map(bytes), add.map(bytes));
    return { hash: b64(result) };
  },
  async encode({ keyId, keyData, state, name, index, action, apiVersion, operation }) {
    const syncAction = proto.SyncActionValue.fromObject(action);
    const { patch, state: next } = await encodeSyncdPatch(
      { type: name, index, syncAction, apiVersion, operation },
      keyId,
      toState(state),
      async (id) => (id === keyId ? { keyData: bytes(keyData) } : undefined),
    );
    return { patch: b64(proto.SyncdPatch.encode(patch).finish()), state: fromState(next) };
  },
  async decodePatches({ name, patches, state, keys }) {
    const { warnings, logger } = recorder();
    const syncds = patches.map((p) => proto.SyncdPatch.decode(bytes(p)));
    // As extractSyncdPatches does: a patch without a version is the next one.
    syncds.forEach((syncd, i) => {
      if (!syncd.version) syncd.version = { version: state.version + i + 1 };
    });
    const result = await decodePatches(name, syncds, toState(state), keyStore(keys), {}, undefined, logger, true);
    const mutations = [];
    const events = [];
    const ev = { emit: (event, payload) => events.push([event, payload]) };
    for (const mutation of Object.values(result.mutationMap)) {
      mutations.push({ index: mutation.index, action: actionJson(mutation.syncAction.value) });
      processSyncAction(mutation, ev, { id: '15550001111@s.whatsapp.net' }, undefined, logger);
    }
    return { state: fromState(result.state), mutations, events, warnings };
  },
  async decodeSnapshot({ name, snapshot, keys }) {
    const { warnings, logger } = recorder();
    const decoded = proto.SyncdSnapshot.decode(bytes(snapshot));
    const result = await decodeSyncdSnapshot(name, decoded, keyStore(keys), undefined, true, logger);
    return {
      state: fromState(result.state),
      count: Object.keys(result.mutationMap).length,
      warnings,
    };
  },
  async benchSnapshot({ name, path, keys, rounds }) {
    // The same work as benches/bench_appstate.py asks of wabus: parse the snapshot, verify
    // and decrypt every record (MAC verification on), then hand each mutation to
    // processSyncAction (events to an emitter that drops them). Memory is sampled every 256
    // records (from inside SyncActionData.decode, which runs once per record): the peak of
    // heapUsed + arrayBuffers above what it was before, the snapshot's bytes already read.
    const data = readFileSync(path);
    const getKey = keyStore(keys);
    const ev = { emit: () => {} };
    const originalDecode = proto.SyncActionData.decode;
    let calls = 0;
    let base = 0;
    let peak = 0;
    const sample = () => {
      const usage = process.memoryUsage();
      peak = Math.max(peak, usage.heapUsed + usage.arrayBuffers - base);
    };
    proto.SyncActionData.decode = (...args) => {
      if (++calls % 256 === 0) sample();
      return originalDecode.apply(proto.SyncActionData, args);
    };
    let best = Infinity;
    let count = 0;
    let peakBytes = 0;
    try {
      for (let round = 0; round < rounds; round++) {
        globalThis.gc?.();
        const usage = process.memoryUsage();
        base = usage.heapUsed + usage.arrayBuffers;
        peak = 0;
        const start = process.hrtime.bigint();
        const decoded = proto.SyncdSnapshot.decode(data);
        const result = await decodeSyncdSnapshot(name, decoded, getKey, undefined, true);
        const mutations = Object.values(result.mutationMap);
        for (const mutation of mutations) processSyncAction(mutation, ev, undefined, undefined);
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
        sample();
        peakBytes = Math.max(peakBytes, peak);
        count = mutations.length;
      }
    } finally {
      proto.SyncActionData.decode = originalDecode;
    }
    return {
      seconds: best,
      peakBytes,
      maxRssBytes: peakRss(),
      count,
      node: process.version,
    };
  },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let reply;
  try {
    const request = JSON.parse(line);
    const handler = handlers[request.op];
    if (handler === undefined) throw new Error(`unknown op ${request.op}`);
    reply = { ok: true, ...(await handler(request)) };
  } catch (error) {
    reply = { ok: false, error: String(error?.stack ?? error) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
