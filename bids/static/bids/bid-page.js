// The bid page: encrypt in the browser (bid-upload.js / envelope.js), with an optional
// structured price that travels INSIDE the envelope as the first line of the plaintext:
//   {"type":"zuschlag-bid-content","v":1,"price":"1234.50","currency":"EUR","filename":"…"}\n
// followed by the document bytes. The server learns the price only at the opening.
//
//   <form data-zuschlag-bid-page data-tender-key-url=… data-upload-url=… data-service-key-url=…>
//     <input type="file" name="file"> <input name="price"> <progress data-progress>
//     <output data-status></output> <a data-receipt-download hidden>…</a> <button>…</button>
//   </form>

import { submitBid } from "./bid-upload.js";
import { messagesOf } from "./messages.js";

function csrfToken(form) {
  const field = form.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : null;
}

function withPrice(file, price, currency) {
  if (!price) return file;
  const header = JSON.stringify({
    type: "zuschlag-bid-content",
    v: 1,
    price: price.trim().replace(",", "."),
    currency: currency || "EUR",
    filename: file.name,
  });
  return new File([header + "\n", file], file.name, { type: "application/octet-stream" });
}

const STAGES = {
  encrypting: "Angebot wird im Browser verschlüsselt …",
  uploading: "Verschlüsseltes Angebot wird übertragen …",
  verifying: "Quittung wird geprüft …",
};

export function bindBidPages(root = document) {
  for (const form of root.querySelectorAll("form[data-zuschlag-bid-page]")) {
    const status = form.querySelector("[data-status]");
    const progress = form.querySelector("[data-progress]");
    const download = form.querySelector("[data-receipt-download]");
    const say = (text) => (status.textContent = text);
    const msg = messagesOf(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = form.elements.file.files[0];
      if (!chosen) return say(msg.text("no-file", "Bitte eine Datei wählen."));
      const price = form.elements.price?.value ?? "";
      if (price && !/^\d+([.,]\d{1,2})?$/.test(price.trim())) {
        return say(
          msg.text("price", "Preis bitte als Zahl mit höchstens zwei Nachkommastellen angeben."),
        );
      }
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const result = await submitBid({
          file: withPrice(chosen, price, form.dataset.currency),
          tenderKeyUrl: form.dataset.tenderKeyUrl,
          uploadUrl: form.dataset.uploadUrl,
          serviceKeyUrl: form.dataset.serviceKeyUrl,
          csrf: csrfToken(form),
          onStage: (stage) => say(msg.text(stage, STAGES[stage])),
          onProgress: (_stage, done, total) => {
            if (progress && total) progress.value = done / total;
          },
        });
        const f = result.fields;
        say(
          msg.text(
            "received",
            "Angebot eingegangen am {recorded_at} (Protokollposition {position}). " +
              "Quittung geprüft: Signaturen gültig, SHA-256 {sha256}.",
            { recorded_at: f.recorded_at, position: f.position, sha256: f.ciphertext_sha256 },
          ),
        );
        download.href = URL.createObjectURL(new Blob([result.receiptText], { type: "application/json" }));
        download.download = `quittung-${f.tender}-los${f.lot}-${f.bid}.json`;
        download.hidden = false;
        form.dataset.receiptVerified = "1";
      } catch (error) {
        say(msg.text("failed", "Abgabe fehlgeschlagen: {error}", { error: msg.error(error) }));
      } finally {
        button.disabled = false;
      }
    });
  }
}
