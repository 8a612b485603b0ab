// Sealed-bid envelope v1 in the browser: the same format as bids/crypto (see docs/envelope.md).
//
// Plain ES module, no build step. Everything runs on WebCrypto (X25519, HKDF-SHA-256,
// AES-256-GCM, PBKDF2, Ed25519, and ML-KEM-768 / ML-DSA-65 where the browser has them). Where
// WebCrypto lacks ML-KEM-768 / ML-DSA-65 (or, in older browsers, X25519 / Ed25519), the bundled
// noble builds under ./vendor/ are imported on first use, from this server, never from a CDN.

const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

export const MEDIA_TYPE = "application/vnd.zuschlag.envelope.v1";
export const MAGIC = new Uint8Array([0x89, 0x5a, 0x42, 0x49, 0x44, 0x0d, 0x0a, 0x1a]);
export const VERSION = 1;
export const SUITE = 1;
export const HEADER_LEN = 1180;
export const PREAMBLE_LEN = 1212;
export const TAG_LEN = 16;
export const MIN_CHUNK_LOG2 = 10;
export const MAX_CHUNK_LOG2 = 24;
export const DEFAULT_CHUNK_LOG2 = 20;
export const MEMBER_KEY_ITERATIONS = 600000;
const MIN_ITERATIONS = 100000;
const MAX_ITERATIONS = 10000000;
const KDF_LABEL = enc.encode("zuschlag/envelope/v1");
const KEY_ID_LABEL = enc.encode("zuschlag/key-id/v1\0");
const X25519_PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/** Raised for every failure, with a stable ``code`` like the Python errors. */
export class EnvelopeError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "EnvelopeError";
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// bytes

export function concatBytes(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function b64uEncode(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64uDecode(text, length) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new EnvelopeError("key_format", "not a base64url string");
  }
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (length !== undefined && out.length !== length) {
    throw new EnvelopeError("key_format", `expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(hex) {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new EnvelopeError("key_format", "not lowercase hex");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

async function sha256(data) {
  return new Uint8Array(await subtle.digest("SHA-256", data));
}

function u64be(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** Canonical JSON (sorted keys, no spaces, integers only): byte-equal to bids/crypto/encoding. */
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error("canonical JSON allows safe integers only");
    return String(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  const keys = Object.keys(value).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
}

// ---------------------------------------------------------------------------------------------
// ML-KEM-768 and ML-DSA-65: WebCrypto first, bundled noble second

let forcedBackend = null;
let kemBackendPromise = null;
let dsaBackendPromise = null;

/** Force "webcrypto" or "noble" (tests); null restores detection. */
export function setPostQuantumBackend(name) {
  forcedBackend = name;
  kemBackendPromise = null;
  dsaBackendPromise = null;
}

async function webcryptoHas(algorithm, usages) {
  try {
    await subtle.generateKey({ name: algorithm }, false, usages);
    return true;
  } catch {
    return false;
  }
}

const ML_KEM = { name: "ML-KEM-768" };

const webcryptoKem = {
  name: "webcrypto",
  async encapsulate(publicRaw) {
    const key = await subtle.importKey("raw-public", publicRaw, ML_KEM, false, ["encapsulateBits"]);
    const r = await subtle.encapsulateBits(ML_KEM, key);
    return { sharedSecret: new Uint8Array(r.sharedKey), ciphertext: new Uint8Array(r.ciphertext) };
  },
  async decapsulate(seed, ciphertext) {
    const key = await subtle.importKey("raw-seed", seed, ML_KEM, false, ["decapsulateBits"]);
    return new Uint8Array(await subtle.decapsulateBits(ML_KEM, key, ciphertext));
  },
  async publicFromSeed(seed) {
    const key = await subtle.importKey("raw-seed", seed, ML_KEM, true, ["decapsulateBits"]);
    return b64uDecode((await subtle.exportKey("jwk", key)).pub, 1184);
  },
  async generate() {
    const pair = await subtle.generateKey(ML_KEM, true, ["encapsulateBits", "decapsulateBits"]);
    return {
      seed: new Uint8Array(await subtle.exportKey("raw-seed", pair.privateKey)),
      publicKey: new Uint8Array(await subtle.exportKey("raw-public", pair.publicKey)),
    };
  },
};

async function nobleKem() {
  const { ml_kem768 } = await import(new URL("./vendor/noble-ml-kem.js", import.meta.url));
  return {
    name: "noble",
    async encapsulate(publicRaw) {
      const r = ml_kem768.encapsulate(publicRaw);
      return { sharedSecret: r.sharedSecret, ciphertext: r.cipherText };
    },
    async decapsulate(seed, ciphertext) {
      return ml_kem768.decapsulate(ciphertext, ml_kem768.keygen(seed).secretKey);
    },
    async publicFromSeed(seed) {
      return ml_kem768.keygen(seed).publicKey;
    },
    async generate() {
      const seed = crypto.getRandomValues(new Uint8Array(64));
      return { seed, publicKey: ml_kem768.keygen(seed).publicKey };
    },
  };
}

/** The ML-KEM-768 implementation in use: {name: "webcrypto" | "noble", ...}. */
export function mlKemBackend() {
  if (!kemBackendPromise) {
    kemBackendPromise = (async () => {
      if (forcedBackend === "noble") return nobleKem();
      if (forcedBackend === "webcrypto") return webcryptoKem;
      return (await webcryptoHas("ML-KEM-768", ["encapsulateBits", "decapsulateBits"]))
        ? webcryptoKem
        : nobleKem();
    })();
  }
  return kemBackendPromise;
}

async function mlDsaBackend() {
  if (!dsaBackendPromise) {
    dsaBackendPromise = (async () => {
      const web =
        forcedBackend !== "noble" &&
        (forcedBackend === "webcrypto" || (await webcryptoHas("ML-DSA-65", ["sign", "verify"])));
      if (web) {
        return {
          name: "webcrypto",
          async verify(publicRaw, signature, message) {
            const alg = { name: "ML-DSA-65" };
            const key = await subtle.importKey("raw-public", publicRaw, alg, false, ["verify"]);
            return subtle.verify(alg, key, signature, message);
          },
        };
      }
      const { ml_dsa65 } = await import(new URL("./vendor/noble-ml-dsa.js", import.meta.url));
      return {
        name: "noble",
        async verify(publicRaw, signature, message) {
          return ml_dsa65.verify(signature, message, publicRaw);
        },
      };
    })();
  }
  return dsaBackendPromise;
}

// ---------------------------------------------------------------------------------------------
// X25519 and Ed25519: WebCrypto first (Chromium 133+, Firefox 130+, Safari 17+), bundled noble
// for older browsers. A private X25519 key is an opaque handle {publicKey, ...} from loadX25519.

let forcedClassical = null;
let classicalPromise = null;

/** Force "webcrypto" or "noble" for X25519/Ed25519 (tests); null restores detection. */
export function setClassicalBackend(name) {
  forcedClassical = name;
  classicalPromise = null;
}

const webcryptoClassical = {
  name: "webcrypto",
  async loadX25519(raw) {
    const pkcs8 = concatBytes(X25519_PKCS8_PREFIX, raw);
    // Imported once extractable to learn the public key, then again so the page keeps only a
    // non-extractable handle.
    const open = await subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, true, ["deriveBits"]);
    const publicKey = b64uDecode((await subtle.exportKey("jwk", open)).x, 32);
    const key = await subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, false, ["deriveBits"]);
    return { publicKey, key };
  },
  async sharedX25519(handle, publicRaw) {
    const pub = await subtle.importKey("raw", publicRaw, { name: "X25519" }, false, []);
    return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: pub }, handle.key, 256));
  },
  async verifyEd25519(publicRaw, signature, message) {
    const key = await subtle.importKey("raw", publicRaw, { name: "Ed25519" }, false, ["verify"]);
    return subtle.verify({ name: "Ed25519" }, key, signature, message);
  },
};

async function nobleClassical() {
  const { x25519, ed25519 } = await import(new URL("./vendor/noble-25519.js", import.meta.url));
  return {
    name: "noble",
    async loadX25519(raw) {
      return { publicKey: x25519.getPublicKey(raw), raw: raw.slice() };
    },
    async sharedX25519(handle, publicRaw) {
      return x25519.getSharedSecret(handle.raw, publicRaw);
    },
    async verifyEd25519(publicRaw, signature, message) {
      // zip215: false = RFC 8032 strict, as WebCrypto and Python's cryptography verify.
      return ed25519.verify(signature, message, publicRaw, { zip215: false });
    },
  };
}

/** The X25519/Ed25519 implementation in use: {name: "webcrypto" | "noble", ...}. */
export function classicalBackend() {
  if (!classicalPromise) {
    classicalPromise = (async () => {
      if (forcedClassical === "noble") return nobleClassical();
      if (forcedClassical === "webcrypto") return webcryptoClassical;
      const both =
        (await webcryptoHas("X25519", ["deriveBits"])) && (await webcryptoHas("Ed25519", ["sign", "verify"]));
      return both ? webcryptoClassical : nobleClassical();
    })();
  }
  return classicalPromise;
}

async function loadX25519(raw) {
  return (await classicalBackend()).loadX25519(raw);
}

async function x25519Shared(handle, publicRaw) {
  try {
    const shared = await (await classicalBackend()).sharedX25519(handle, publicRaw);
    if (shared.every((b) => b === 0)) throw new Error("all-zero shared secret");
    return shared;
  } catch (e) {
    throw new EnvelopeError("envelope_tampered", "X25519 key agreement failed (invalid key): " + e.message);
  }
}

// ---------------------------------------------------------------------------------------------
// keys

export async function keyIdFor(x25519Public, mlkemPublic) {
  return (await sha256(concatBytes(KEY_ID_LABEL, x25519Public, mlkemPublic))).slice(0, 16);
}

/**
 * Parse a recipient public key (the tender's opening key or a member's key), as JSON text or
 * object; checks the kid. Returns {x25519, mlkem768, keyId, kidHex, json}.
 */
export async function parsePublicKey(input) {
  const obj = typeof input === "string" ? JSON.parse(input) : input;
  if (obj.type !== "zuschlag-hybrid-public-key" || obj.v !== 1 || obj.alg !== "X25519+ML-KEM-768") {
    throw new EnvelopeError("key_format", "not a zuschlag hybrid public key (v1, X25519+ML-KEM-768)");
  }
  const x25519 = b64uDecode(obj.x25519, 32);
  const mlkem768 = b64uDecode(obj.mlkem768, 1184);
  const keyId = await keyIdFor(x25519, mlkem768);
  if (obj.kid !== undefined && obj.kid !== toHex(keyId)) {
    throw new EnvelopeError("key_format", `public key kid ${obj.kid} does not match the key material`);
  }
  return { x25519, mlkem768, keyId, kidHex: toHex(keyId), json: publicKeyJson(x25519, mlkem768, keyId) };
}

function publicKeyJson(x25519, mlkem768, keyId) {
  return {
    type: "zuschlag-hybrid-public-key",
    v: 1,
    alg: "X25519+ML-KEM-768",
    kid: toHex(keyId),
    x25519: b64uEncode(x25519),
    mlkem768: b64uEncode(mlkem768),
  };
}

/**
 * Build an in-memory private key from raw X25519 (32 bytes) and ML-KEM-768 seed (64 bytes);
 * the public half is recomputed. Resolves to {x25519: CryptoKey, mlkemSeed, publicKey}.
 */
export async function importPrivateKeyRaw(x25519Raw, mlkemSeed) {
  const x25519 = await loadX25519(x25519Raw);
  const xPublic = x25519.publicKey;
  const mPublic = await (await mlKemBackend()).publicFromSeed(mlkemSeed);
  const publicKey = await parsePublicKey(publicKeyJson(xPublic, mPublic, await keyIdFor(xPublic, mPublic)));
  return { x25519, mlkemSeed, publicKey };
}

// ---------------------------------------------------------------------------------------------
// envelope

/** Parse and check the 1180-byte header; no key needed. Mirrors bids.crypto.header_parse. */
export function parseHeader(bytes) {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new EnvelopeError(
        "envelope_not_encrypted",
        "not an encrypted bid envelope: the file does not start with the envelope magic bytes",
      );
    }
  }
  if (bytes.length < HEADER_LEN) {
    throw new EnvelopeError("envelope_truncated", `envelope header incomplete: ${bytes.length} bytes`);
  }
  if (bytes[8] !== VERSION) throw new EnvelopeError("envelope_format", `envelope version ${bytes[8]} is not supported`);
  if (bytes[9] !== SUITE) throw new EnvelopeError("envelope_format", `envelope cipher suite ${bytes[9]} is not supported`);
  const chunkLog2 = bytes[10];
  if (chunkLog2 < MIN_CHUNK_LOG2 || chunkLog2 > MAX_CHUNK_LOG2) {
    throw new EnvelopeError("envelope_format", `envelope chunk size 2^${chunkLog2} out of range`);
  }
  if (bytes[11] !== 0) throw new EnvelopeError("envelope_format", "envelope flags are reserved and must be 0");
  return {
    chunkLog2,
    chunkSize: 2 ** chunkLog2,
    keyId: bytes.slice(12, 28),
    salt: bytes.slice(28, 60),
    x25519Ephemeral: bytes.slice(60, 92),
    mlkemCiphertext: bytes.slice(92, HEADER_LEN),
    raw: bytes.slice(0, HEADER_LEN),
  };
}

async function derive(header, ssX, ssM, salt, recipient) {
  const headerHash = await sha256(header);
  const info = concatBytes(KDF_LABEL, headerHash, recipient.x25519, await sha256(recipient.mlkem768));
  const ikm = await subtle.importKey("raw", concatBytes(ssX, ssM), "HKDF", false, ["deriveBits"]);
  const okm = new Uint8Array(
    await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, ikm, 512),
  );
  const key = await subtle.importKey("raw", okm.slice(0, 32), "AES-GCM", false, ["encrypt", "decrypt"]);
  return { key, commitment: okm.slice(32), headerHash };
}

function nonceFor(index) {
  return concatBytes(new Uint8Array(4), u64be(index));
}

function aadFor(headerHash, index, last) {
  return concatBytes(headerHash, u64be(index), new Uint8Array([last ? 1 : 0]));
}

/**
 * Low-level sealer: {preamble, chunkSize, sealChunk(bytes, last)}. The options starting with
 * "_" inject the ephemeral randomness and exist for the shared test vectors only.
 */
export async function createSealer(recipient, options = {}) {
  const chunkLog2 = options.chunkLog2 ?? DEFAULT_CHUNK_LOG2;
  if (chunkLog2 < MIN_CHUNK_LOG2 || chunkLog2 > MAX_CHUNK_LOG2) throw new RangeError("chunkLog2");
  // Any 32 random bytes are an X25519 private key (RFC 7748 clamps them when used).
  const ephPrivate = await loadX25519(options._x25519Ephemeral ?? crypto.getRandomValues(new Uint8Array(32)));
  const ephPublic = ephPrivate.publicKey;
  const ssX = await x25519Shared(ephPrivate, recipient.x25519);
  const kem = options._mlkem ?? (await (await mlKemBackend()).encapsulate(recipient.mlkem768));
  const salt = options._salt ?? crypto.getRandomValues(new Uint8Array(32));
  const header = concatBytes(
    MAGIC,
    new Uint8Array([VERSION, SUITE, chunkLog2, 0]),
    recipient.keyId,
    salt,
    ephPublic,
    kem.ciphertext,
  );
  const { key, commitment, headerHash } = await derive(header, ssX, kem.sharedSecret, salt, recipient);
  const chunkSize = 2 ** chunkLog2;
  let index = 0;
  let finished = false;
  return {
    preamble: concatBytes(header, commitment),
    chunkSize,
    async sealChunk(data, last) {
      if (finished) throw new Error("envelope already finished");
      if (data.length > chunkSize || (!last && data.length !== chunkSize)) {
        throw new Error("every chunk but the last must be exactly chunkSize bytes");
      }
      const out = new Uint8Array(
        await subtle.encrypt(
          { name: "AES-GCM", iv: nonceFor(index), additionalData: aadFor(headerHash, index, last), tagLength: 128 },
          key,
          data,
        ),
      );
      index += 1;
      finished = last;
      return out;
    },
  };
}

/** Exact envelope size for a plaintext size (for Content-Length and progress bars). */
export function envelopeSize(plaintextSize, chunkLog2 = DEFAULT_CHUNK_LOG2) {
  const chunk = 2 ** chunkLog2;
  return PREAMBLE_LEN + plaintextSize + Math.max(1, Math.ceil(plaintextSize / chunk)) * TAG_LEN;
}

/** Internal (shared with envelope-worker.js): preamble, then sealed chunks of ``blob``. */
export async function* sealedPieces(blob, recipient, options) {
  const sealer = await createSealer(recipient, options);
  yield sealer.preamble;
  const size = blob.size;
  let offset = 0;
  do {
    const end = Math.min(offset + sealer.chunkSize, size);
    const last = end === size;
    const data = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
    yield await sealer.sealChunk(data, last);
    offset = end;
    options.onProgress?.(offset, size);
  } while (offset < size);
}

/**
 * Encrypt a File/Blob to the recipient; resolves to a Blob of MEDIA_TYPE holding the envelope.
 * Reads one chunk at a time; finished chunks are folded into the Blob every 16 chunks so the
 * page holds at most that much ciphertext (the browser's blob store spills big blobs to disk).
 * options: {chunkLog2, onProgress(done, total)}.
 */
export async function encryptBlob(blob, recipientKey, options = {}) {
  const recipient = recipientKey.keyId ? recipientKey : await parsePublicKey(recipientKey);
  let acc = new Blob([], { type: MEDIA_TYPE });
  let parts = [];
  for await (const piece of sealedPieces(blob, recipient, options)) {
    options.onPiece?.(piece);
    parts.push(piece);
    if (parts.length >= 16) {
      acc = new Blob([acc, ...parts], { type: MEDIA_TYPE });
      parts = [];
    }
  }
  return new Blob([acc, ...parts], { type: MEDIA_TYPE });
}

export const OPFS_DIR = "zuschlag-envelopes";
const OPFS_STALE_MS = 24 * 3600 * 1000;

function opfsAvailable() {
  return Boolean(
    globalThis.navigator?.storage?.getDirectory &&
      globalThis.FileSystemFileHandle?.prototype?.createWritable,
  );
}

async function opfsDirectory() {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(OPFS_DIR, { create: true });
  // Envelopes of pages closed mid-upload are left behind; clear old ones, never fresh ones
  // (another tab may be uploading).
  for await (const [name, handle] of dir.entries()) {
    try {
      if (Date.now() - (await handle.getFile()).lastModified > OPFS_STALE_MS) await dir.removeEntry(name);
    } catch {
      // vanished or locked by another tab: leave it
    }
  }
  return dir;
}

function workerAvailable() {
  // Sync access handles exist only inside workers, so the page cannot test for them: the worker
  // reports failure and encryptFile falls back to the main-thread paths.
  return Boolean(globalThis.Worker && globalThis.navigator?.storage?.getDirectory);
}

let workerSeq = 0;

async function encryptInWorker(blob, recipient, options) {
  const dir = await opfsDirectory();
  const name = `${Date.now()}-${toHex(crypto.getRandomValues(new Uint8Array(8)))}.zbid`;
  const worker = new Worker(new URL("./envelope-worker.js", import.meta.url), { type: "module" });
  const id = ++workerSeq;
  try {
    const done = await new Promise((resolve, reject) => {
      worker.onerror = (e) => reject(new Error("envelope worker failed: " + (e.message || "load error")));
      worker.onmessage = ({ data }) => {
        if (data.id !== id) return;
        if (data.progress) options.onProgress?.(...data.progress);
        else if (data.done) resolve(data.done);
        else if (data.error) {
          reject(data.error.code ? new EnvelopeError(data.error.code, data.error.message) : new Error(data.error.message));
        }
      };
      worker.postMessage({
        id,
        file: blob,
        recipient: recipient.json,
        name,
        chunkLog2: options.chunkLog2 ?? DEFAULT_CHUNK_LOG2,
        digest: options.digest !== false,
      });
    });
    const file = await (await dir.getFileHandle(name)).getFile();
    if (file.size !== done.size) throw new Error("envelope file size differs from what was written");
    return {
      blob: file,
      sha256: done.sha256,
      size: file.size,
      keyId: recipient.kidHex,
      storage: "worker",
      discard: () => dir.removeEntry(name).catch(() => {}),
    };
  } catch (error) {
    await dir.removeEntry(name).catch(() => {});
    throw error;
  } finally {
    worker.terminate();
  }
}

/**
 * Encrypt a File for upload. The envelope goes to a file in the origin-private file system
 * (disk) where the browser has one, so neither the page nor the browser's blob store holds the
 * bid in memory; otherwise (private windows of some browsers) to an in-memory Blob. The
 * envelope is hashed as it is made (incremental SHA-256 from the bundled noble build;
 * WebCrypto's digest is one-shot).
 *
 * options: {chunkLog2, onProgress(done, total), storage: "auto" | "worker" | "opfs" | "memory",
 * digest: true}. "auto" tries, in order: a module worker writing through a synchronous OPFS
 * access handle (fastest, off the main thread; Chromium, Firefox, Safari), a writable OPFS
 * stream on the main thread, an in-memory Blob. Resolves to {blob, sha256 (hex or null), size, keyId (hex), storage,
 * discard()}: send ``blob``, compare sha256 and size with the receipt, then call discard().
 */
export async function encryptFile(blob, recipientKey, options = {}) {
  const recipient = recipientKey.keyId ? recipientKey : await parsePublicKey(recipientKey);
  let hash = null;
  if (options.digest !== false) {
    const { sha256: nobleSha256 } = await import(new URL("./vendor/noble-sha256.js", import.meta.url));
    hash = nobleSha256.create();
  }
  const storage = options.storage ?? "auto";
  if ((storage === "auto" || storage === "worker") && workerAvailable()) {
    try {
      return await encryptInWorker(blob, recipient, options);
    } catch (error) {
      if (storage === "worker" || error instanceof EnvelopeError) throw error;
      // No module workers / OPFS access handles here after all: the main-thread paths below.
    }
  }
  if (storage === "opfs" || (storage === "auto" && opfsAvailable())) {
    let dir;
    let name;
    try {
      dir = await opfsDirectory();
      name = `${Date.now()}-${toHex(crypto.getRandomValues(new Uint8Array(8)))}.zbid`;
      const handle = await dir.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      try {
        for await (const piece of sealedPieces(blob, recipient, options)) {
          hash?.update(piece);
          await writable.write(piece);
        }
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => {});
        throw error;
      }
      const file = await handle.getFile();
      return {
        blob: file,
        sha256: hash ? toHex(hash.digest()) : null,
        size: file.size,
        keyId: recipient.kidHex,
        storage: "opfs",
        discard: () => dir.removeEntry(name).catch(() => {}),
      };
    } catch (error) {
      if (dir && name) await dir.removeEntry(name).catch(() => {});
      if (storage === "opfs" || error instanceof EnvelopeError) throw error;
      // Quota or a private window without a disk-backed OPFS: fall back to memory below.
      if (hash) {
        const { sha256: nobleSha256 } = await import(new URL("./vendor/noble-sha256.js", import.meta.url));
        hash = nobleSha256.create();
      }
    }
  }
  const sealed = await encryptBlob(blob, recipient, {
    ...options,
    onPiece(piece) {
      hash?.update(piece);
    },
  });
  return {
    blob: sealed,
    sha256: hash ? toHex(hash.digest()) : null,
    size: sealed.size,
    keyId: recipient.kidHex,
    storage: "memory",
    discard: async () => {},
  };
}

/**
 * Encrypt a File/Blob as a ReadableStream of Uint8Array pieces (pull-driven, one chunk in
 * memory): usable as a fetch body with {duplex: "half"} over HTTP/2, or to pipe to a file.
 */
export function encryptStream(blob, recipientKey, options = {}) {
  let iterator;
  return new ReadableStream({
    async pull(controller) {
      if (!iterator) {
        const recipient = recipientKey.keyId ? recipientKey : await parsePublicKey(recipientKey);
        iterator = sealedPieces(blob, recipient, options);
      }
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

/** Encrypt bytes already in memory (small payloads, test vectors); resolves to Uint8Array. */
export async function encryptBytes(bytes, recipientKey, options = {}) {
  const recipient = recipientKey.keyId ? recipientKey : await parsePublicKey(recipientKey);
  const out = [];
  for await (const piece of sealedPieces(new Blob([bytes]), recipient, options)) out.push(piece);
  return concatBytes(...out);
}

/**
 * Decrypt a whole envelope held in memory with an unlocked private key (memberKeyUnlock).
 * Meant for key shares and tests; bids are opened on the server. Throws EnvelopeError.
 */
export async function decryptBytes(envelope, privateKey) {
  const header = parseHeader(envelope);
  if (envelope.length < PREAMBLE_LEN) throw new EnvelopeError("envelope_truncated", "envelope ends inside its header");
  if (!equalBytes(header.keyId, privateKey.publicKey.keyId)) {
    throw new EnvelopeError(
      "wrong_recipient",
      `envelope is sealed for key ${toHex(header.keyId)}, not for this key ${privateKey.publicKey.kidHex}`,
    );
  }
  const ssX = await x25519Shared(privateKey.x25519, header.x25519Ephemeral);
  const ssM = await (await mlKemBackend()).decapsulate(privateKey.mlkemSeed, header.mlkemCiphertext);
  const { key, commitment, headerHash } = await derive(header.raw, ssX, ssM, header.salt, privateKey.publicKey);
  if (!equalBytes(commitment, envelope.subarray(HEADER_LEN, PREAMBLE_LEN))) {
    throw new EnvelopeError("envelope_tampered", "envelope header or key commitment was altered");
  }
  const sealed = header.chunkSize + TAG_LEN;
  const body = envelope.subarray(PREAMBLE_LEN);
  if (body.length < TAG_LEN) throw new EnvelopeError("envelope_tampered", "envelope truncated: no chunk");
  const count = Math.max(1, Math.ceil(body.length / sealed));
  const out = [];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const chunk = body.subarray(i * sealed, Math.min((i + 1) * sealed, body.length));
    try {
      out.push(
        new Uint8Array(
          await subtle.decrypt(
            { name: "AES-GCM", iv: nonceFor(i), additionalData: aadFor(headerHash, i, last), tagLength: 128 },
            key,
            chunk,
          ),
        ),
      );
    } catch {
      throw new EnvelopeError(
        "envelope_tampered",
        `envelope chunk ${i} failed authentication: changed, reordered or truncated`,
      );
    }
  }
  return concatBytes(...out);
}

// ---------------------------------------------------------------------------------------------
// member keys (same JSON file as bids/crypto/memberkey.py)

async function passphraseKey(passphrase, salt, iterations) {
  const base = await subtle.importKey("raw", enc.encode(passphrase.normalize("NFC")), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, 256);
  return subtle.importKey("raw", bits, "AES-GCM", false, ["encrypt", "decrypt"]);
}

function memberAad(kidHex) {
  return enc.encode("zuschlag-member-key-v1:" + kidHex);
}

/**
 * Make a committee member's personal key in this browser.
 * Resolves to {keyFile (JSON-ready object to save), publicKey (JSON object to register),
 * privateKey (unlocked, in memory)}.
 */
export async function memberKeyGenerate({ passphrase, label = "", iterations = MEMBER_KEY_ITERATIONS }) {
  if (typeof passphrase !== "string" || passphrase.length < 12) {
    throw new EnvelopeError("passphrase", "passphrase must have at least 12 characters");
  }
  if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) throw new RangeError("iterations");
  const xRaw = crypto.getRandomValues(new Uint8Array(32));
  const xHandle = await loadX25519(xRaw);
  const xPublic = xHandle.publicKey;
  const kem = await (await mlKemBackend()).generate();
  const keyId = await keyIdFor(xPublic, kem.publicKey);
  const publicJson = publicKeyJson(xPublic, kem.publicKey, keyId);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const wrapKey = await passphraseKey(passphrase, salt, iterations);
  const ciphertext = new Uint8Array(
    await subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: memberAad(toHex(keyId)), tagLength: 128 },
      wrapKey,
      concatBytes(xRaw, kem.seed),
    ),
  );
  xRaw.fill(0);
  const keyFile = {
    type: "zuschlag-member-key",
    v: 1,
    label,
    public: publicJson,
    kdf: { name: "PBKDF2-SHA-256", iterations, salt: b64uEncode(salt) },
    cipher: { name: "AES-256-GCM", nonce: b64uEncode(nonce) },
    ciphertext: b64uEncode(ciphertext),
  };
  const publicKey = await parsePublicKey(publicJson);
  return {
    keyFile,
    publicKey: publicJson,
    privateKey: { x25519: xHandle, mlkemSeed: kem.seed, publicKey },
  };
}

async function memberRaw(keyFile, passphrase) {
  const kdf = keyFile.kdf ?? {};
  const cipher = keyFile.cipher ?? {};
  if (keyFile.type !== "zuschlag-member-key" || keyFile.v !== 1) {
    throw new EnvelopeError("key_format", "not a zuschlag member key file (v1)");
  }
  if (kdf.name !== "PBKDF2-SHA-256" || cipher.name !== "AES-256-GCM") {
    throw new EnvelopeError("key_format", "member key file: unsupported kdf or cipher");
  }
  if (!Number.isSafeInteger(kdf.iterations) || kdf.iterations < MIN_ITERATIONS || kdf.iterations > MAX_ITERATIONS) {
    throw new EnvelopeError("key_format", "member key file: PBKDF2 iterations out of range");
  }
  const publicKey = await parsePublicKey(keyFile.public);
  const wrapKey = await passphraseKey(passphrase, b64uDecode(kdf.salt, 16), kdf.iterations);
  let raw;
  try {
    raw = new Uint8Array(
      await subtle.decrypt(
        {
          name: "AES-GCM",
          iv: b64uDecode(cipher.nonce, 12),
          additionalData: memberAad(publicKey.kidHex),
          tagLength: 128,
        },
        wrapKey,
        b64uDecode(keyFile.ciphertext, 112),
      ),
    );
  } catch {
    throw new EnvelopeError("passphrase", "wrong passphrase for this member key (or the key file was altered)");
  }
  return { x: raw.slice(0, 32), seed: raw.slice(32), publicKey };
}

/** Unlock a member key file (JSON text or object) with its passphrase; throws EnvelopeError. */
export async function memberKeyUnlock(keyFile, passphrase) {
  const obj = typeof keyFile === "string" ? JSON.parse(keyFile) : keyFile;
  const { x, seed, publicKey } = await memberRaw(obj, passphrase);
  const key = await importPrivateKeyRaw(x, seed);
  x.fill(0);
  if (!equalBytes(key.publicKey.keyId, publicKey.keyId)) {
    throw new EnvelopeError("key_format", "member key file: private key does not match its public key");
  }
  return key;
}

/**
 * Decrypt the opening-key share sealed to this member. Resolves to {share, json}: ``json`` is the
 * exact text to hand over for the opening (OpeningShare.from_json on the server).
 */
export async function shareDecrypt(envelope, memberPrivateKey) {
  const bytes = typeof envelope === "string" ? b64uDecode(envelope) : envelope;
  const json = new TextDecoder("utf-8", { fatal: true }).decode(await decryptBytes(bytes, memberPrivateKey));
  const share = JSON.parse(json);
  if (share.type !== "zuschlag-opening-share" || share.v !== 1) {
    throw new EnvelopeError("share_invalid", "decrypted content is not an opening share");
  }
  return { share, json };
}

// ---------------------------------------------------------------------------------------------
// receipts and the bid log (same rules as bids/crypto/receipts.py and bidlog.py)

const ENTRY_FIELDS = [
  "tender", "position", "event", "lot", "bidder", "bid",
  "ciphertext_sha256", "ciphertext_size", "recorded_at", "prev_hash",
];

async function entryHash(fields) {
  const content = { type: "zuschlag-bid-log-entry", v: 1 };
  for (const f of ENTRY_FIELDS) content[f] = fields[f];
  return toHex(await sha256(concatBytes(fromHex(fields.prev_hash), enc.encode(canonicalJson(content)))));
}

async function genesisHash(tender) {
  return toHex(await sha256(concatBytes(enc.encode("zuschlag/bid-log/v1\0"), enc.encode(tender))));
}

/**
 * Verify a bid log export (JSON text/object, see docs/envelope.md section 6). Resolves to the
 * head hash; throws EnvelopeError("log_broken", ...) naming the first broken entry.
 */
export async function verifyBidLog(logInput, { expectedHead } = {}) {
  const log = typeof logInput === "string" ? JSON.parse(logInput) : logInput;
  const fail = (m) => {
    throw new EnvelopeError("log_broken", m);
  };
  if (log.type !== "zuschlag-bid-log" || log.v !== 1) fail("not a zuschlag bid log export v1");
  let prev = await genesisHash(log.tender);
  let expected = 1;
  for (const entry of log.entries) {
    if (entry.tender !== log.tender) fail(`bid log entry ${entry.position} belongs to another tender`);
    if (entry.position !== expected) {
      fail(`bid log position ${expected} holds entry ${entry.position}: entries deleted or reordered`);
    }
    if ((await entryHash(entry)) !== entry.entry_hash) {
      fail(`bid log entry ${entry.position} was changed: its content no longer matches its recorded hash`);
    }
    if (entry.prev_hash !== prev) fail(`bid log entry ${entry.position} does not link to entry ${expected - 1}`);
    prev = entry.entry_hash;
    expected += 1;
  }
  const head = expectedHead ?? log.head;
  if (head !== undefined && head !== prev) {
    fail(`bid log head ${prev.slice(0, 16)}… differs from the expected head ${head.slice(0, 16)}…`);
  }
  return prev;
}

async function verifyServiceSignatures(service, signatures, message, what) {
  const fail = (m) => {
    throw new EnvelopeError("receipt_invalid", m);
  };
  const classical = await classicalBackend();
  const edOk = await classical.verifyEd25519(
    b64uDecode(service.ed25519, 32),
    b64uDecode(signatures.ed25519, 64),
    message,
  );
  if (!edOk) fail(`${what} Ed25519 signature is invalid (${what} forged or altered)`);
  const dsa = await mlDsaBackend();
  const ok = await dsa.verify(b64uDecode(service["ml-dsa-65"], 1952), b64uDecode(signatures["ml-dsa-65"], 3309), message);
  if (!ok) fail(`${what} ML-DSA-65 signature is invalid (${what} forged or altered)`);
}

/**
 * Verify a signed log checkpoint (from the opening record) against the service key. Resolves to
 * its fields {tender, entries, head, at}; use ``head`` as ``expectedHead`` of verifyBidLog.
 */
export async function verifyCheckpoint(checkpointInput, serviceKeyInput) {
  const cp = typeof checkpointInput === "string" ? JSON.parse(checkpointInput) : checkpointInput;
  const service = typeof serviceKeyInput === "string" ? JSON.parse(serviceKeyInput) : serviceKeyInput;
  const fields = cp.checkpoint;
  if (!fields || fields.type !== "zuschlag-bid-log-checkpoint" || fields.v !== 1) {
    throw new EnvelopeError("receipt_invalid", "not a zuschlag bid log checkpoint v1");
  }
  if (fields.service_key_id !== service.kid) {
    throw new EnvelopeError("receipt_invalid", `checkpoint was signed by service key ${fields.service_key_id}, not by ${service.kid}`);
  }
  const message = concatBytes(enc.encode("zuschlag-checkpoint-v1\n"), enc.encode(canonicalJson(fields)));
  await verifyServiceSignatures(service, cp.signatures, message, "checkpoint");
  return fields;
}

/**
 * Verify a receipt (JSON text/object) against the service public key (JSON text/object):
 * both signatures (Ed25519 and ML-DSA-65) and the entry hash; with ``{log}`` (a log export) also
 * the chain and that the entry at the receipt's position is the receipt's entry. Resolves to the
 * receipt fields; throws EnvelopeError("receipt_invalid", ...) naming the failed check.
 */
export async function verifyReceipt(receiptInput, serviceKeyInput, { log, expectedHead } = {}) {
  const receipt = typeof receiptInput === "string" ? JSON.parse(receiptInput) : receiptInput;
  const service = typeof serviceKeyInput === "string" ? JSON.parse(serviceKeyInput) : serviceKeyInput;
  const fields = receipt.receipt;
  const fail = (m) => {
    throw new EnvelopeError("receipt_invalid", m);
  };
  if (!fields || fields.type !== "zuschlag-bid-receipt" || fields.v !== 1) fail("not a zuschlag bid receipt v1");
  if (service.type !== "zuschlag-service-public-key" || service.v !== 1) fail("not a service public key v1");
  if (fields.service_key_id !== service.kid) {
    fail(`receipt was signed by service key ${fields.service_key_id}, not by ${service.kid}`);
  }
  const message = concatBytes(enc.encode("zuschlag-receipt-v1\n"), enc.encode(canonicalJson(fields)));
  await verifyServiceSignatures(service, receipt.signatures, message, "receipt");
  if ((await entryHash(fields)) !== fields.entry_hash) fail("receipt entry hash does not match its content");
  if (log !== undefined) {
    const exported = typeof log === "string" ? JSON.parse(log) : log;
    if (exported.tender !== fields.tender) fail(`log export is for tender ${exported.tender}, receipt for ${fields.tender}`);
    try {
      await verifyBidLog(exported, { expectedHead });
    } catch (e) {
      fail("bid log does not verify: " + e.message);
    }
    const entry = exported.entries[fields.position - 1];
    if (!entry) fail(`receipt is for log position ${fields.position}, but the log has only ${exported.entries.length} entries`);
    if (entry.entry_hash !== fields.entry_hash) {
      fail(`log entry ${fields.position} is not the entry this receipt was issued for`);
    }
  }
  return fields;
}
