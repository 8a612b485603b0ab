// Module worker behind envelope.js encryptFile: encrypts a File into the origin-private file
// system with a synchronous access handle (in-place writes, much faster than a writable
// stream, and only available in workers) and hashes it, off the page's main thread.
//
// Message in: {id, file, recipient (public key JSON), name, chunkLog2, digest}.
// Messages out: {id, progress: [done, total]}, then {id, done: {size, sha256}} or
// {id, error: {message, code}}.

import { OPFS_DIR, parsePublicKey, sealedPieces, toHex } from "./envelope.js";

self.onmessage = async (event) => {
  const { id, file, recipient, name, chunkLog2, digest } = event.data;
  let access;
  try {
    const key = await parsePublicKey(recipient);
    let hash = null;
    if (digest) {
      const { sha256 } = await import(new URL("./vendor/noble-sha256.js", import.meta.url));
      hash = sha256.create();
    }
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(OPFS_DIR, { create: true });
    const handle = await dir.getFileHandle(name, { create: true });
    access = await handle.createSyncAccessHandle();
    access.truncate(0);
    let at = 0;
    const options = { chunkLog2, onProgress: (done, total) => self.postMessage({ id, progress: [done, total] }) };
    for await (const piece of sealedPieces(file, key, options)) {
      hash?.update(piece);
      let written = 0;
      while (written < piece.length) written += access.write(piece.subarray(written), { at: at + written });
      at += piece.length;
    }
    access.flush();
    access.close();
    access = null;
    self.postMessage({ id, done: { size: at, sha256: hash ? toHex(hash.digest()) : null } });
  } catch (error) {
    try {
      access?.close();
    } catch {
      // already closed
    }
    self.postMessage({ id, error: { message: String(error?.message ?? error), code: error?.code } });
  }
};
