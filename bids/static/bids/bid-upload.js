// Bid submission in the page: encrypt in the browser, upload the envelope, verify the receipt.
//
// Progressive enhancement for a form like
//
//   <form data-zuschlag-bid-upload
//         data-tender-key-url="/api/v1/tenders/2026-0042/opening-key"
//         data-upload-url="/api/v1/tenders/2026-0042/lots/1/bids"
//         data-service-key-url="/api/v1/service-key">
//     <input type="file" name="file" required>
//     <progress data-progress max="1" value="0"></progress>
//     <output data-status></output>
//     <a data-receipt-download hidden download="receipt.json">Quittung speichern</a>
//     <button>Verschlüsselt abgeben</button>
//   </form>
//   <script type="module">
//     import { bindBidUploadForms } from "/static/bids/bid-upload.js";
//     bindBidUploadForms();
//   </script>
//
// The plaintext never leaves the page: only the envelope is sent (docs/envelope.md, section 8).
// On success the form fires "zuschlag:receipt" with detail {receipt, fields}; on failure
// "zuschlag:error" with detail {error}.

import * as env from "./envelope.js";

function csrfToken(form) {
  const field = form?.querySelector("input[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

function upload(url, blob, { csrf, headers = {}, onProgress }) {
  // XMLHttpRequest, not fetch: fetch reports no upload progress.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", env.MEDIA_TYPE);
    xhr.setRequestHeader("Accept", "application/json");
    if (csrf) xhr.setRequestHeader("X-CSRFToken", csrf);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
    xhr.onerror = () => reject(new Error("upload failed: network error"));
    xhr.onload = () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { detail: xhr.responseText };
      }
      if (xhr.status === 200 || xhr.status === 201) resolve({ body, text: xhr.responseText });
      else {
        const error = new Error(body.detail || `HTTP ${xhr.status}`);
        error.status = xhr.status;
        error.code = body.code;
        reject(error);
      }
    };
    xhr.send(blob);
  });
}

/**
 * Encrypt ``file`` to the tender's opening key, upload it and verify the receipt.
 * Resolves to {receipt (object), receiptText, fields, envelope: {sha256, size, keyId}}.
 * Throws if the upload is refused, or if the receipt does not verify or names other bytes.
 */
export async function submitBid({
  file,
  storage,
  tenderKey,
  tenderKeyUrl,
  uploadUrl,
  serviceKey,
  serviceKeyUrl,
  csrf,
  headers,
  onStage,
  onProgress,
}) {
  const key = await env.parsePublicKey(tenderKey ?? (await getJson(tenderKeyUrl)));
  onStage?.("encrypting");
  const sealed = await env.encryptFile(file, key, {
    storage,
    onProgress: (done, total) => onProgress?.("encrypting", done, total),
  });
  onStage?.("uploading");
  let answer;
  try {
    answer = await upload(uploadUrl, sealed.blob, {
      csrf,
      headers,
      onProgress: (done, total) => onProgress?.("uploading", done, total),
    });
  } finally {
    await sealed.discard();
  }
  const { body: receipt, text } = answer;
  onStage?.("verifying");
  const service = serviceKey ?? (await getJson(serviceKeyUrl));
  const fields = await env.verifyReceipt(receipt, service);
  if (fields.ciphertext_sha256 !== sealed.sha256 || fields.ciphertext_size !== sealed.size) {
    throw new env.EnvelopeError(
      "receipt_invalid",
      `the receipt names ciphertext ${fields.ciphertext_sha256} (${fields.ciphertext_size} bytes), ` +
        `but ${sealed.sha256} (${sealed.size} bytes) was sent`,
    );
  }
  return {
    receipt,
    receiptText: text,
    fields,
    envelope: { sha256: sealed.sha256, size: sealed.size, keyId: sealed.keyId, storage: sealed.storage },
  };
}

const STAGE_TEXT = {
  encrypting: "Angebot wird im Browser verschlüsselt …",
  uploading: "Verschlüsseltes Angebot wird übertragen …",
  verifying: "Quittung wird geprüft …",
};

/** Wire every form[data-zuschlag-bid-upload] under ``root``. */
export function bindBidUploadForms(root = document) {
  for (const form of root.querySelectorAll("form[data-zuschlag-bid-upload]")) {
    const status = form.querySelector("[data-status]");
    const progress = form.querySelector("[data-progress]");
    const download = form.querySelector("[data-receipt-download]");
    const say = (text) => {
      if (status) status.textContent = text;
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = form.querySelector("input[type=file]")?.files?.[0];
      if (!file) {
        say("Bitte eine Datei wählen.");
        return;
      }
      const button = form.querySelector("button");
      if (button) button.disabled = true;
      try {
        const result = await submitBid({
          file,
          tenderKeyUrl: form.dataset.tenderKeyUrl,
          uploadUrl: form.dataset.uploadUrl,
          serviceKeyUrl: form.dataset.serviceKeyUrl,
          csrf: csrfToken(form),
          onStage: (stage) => say(STAGE_TEXT[stage]),
          onProgress: (_stage, done, total) => {
            if (progress && total) progress.value = done / total;
          },
        });
        const f = result.fields;
        say(
          `Angebot eingegangen am ${f.recorded_at} (Protokollposition ${f.position}). ` +
            `Quittung geprüft: Signaturen gültig, SHA-256 ${f.ciphertext_sha256}.`,
        );
        if (download) {
          download.href = URL.createObjectURL(new Blob([result.receiptText], { type: "application/json" }));
          download.hidden = false;
        }
        form.dispatchEvent(new CustomEvent("zuschlag:receipt", { detail: result, bubbles: true }));
      } catch (error) {
        say(`Abgabe fehlgeschlagen: ${error.message}`);
        form.dispatchEvent(new CustomEvent("zuschlag:error", { detail: { error }, bubbles: true }));
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
}
