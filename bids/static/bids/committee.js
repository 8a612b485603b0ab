// Committee members in the page: make a personal key, and hand over the opening-key share.
//
//   <form data-zuschlag-member-keygen data-register-url="/api/v1/committee/member-key">
//     <input name="label"> <input type="password" name="passphrase" required>
//     <input type="password" name="passphrase2" required>
//     <a data-key-download hidden download="zuschlag-member-key.json">Schlüsseldatei speichern</a>
//     <output data-status></output> <button>Schlüssel erzeugen</button>
//   </form>
//
//   <form data-zuschlag-share-handover
//         data-share-url="/api/v1/tenders/2026-0042/opening/my-share"
//         data-handover-url="/api/v1/tenders/2026-0042/opening/shares"
//         data-session-key-url="/api/v1/tenders/2026-0042/opening/session-key">  (optional)
//     <input type="file" name="keyfile" required> <input type="password" name="passphrase" required>
//     <output data-status></output> <button>Anteil freigeben</button>
//   </form>
//
// The private key is made here and leaves the page only inside the passphrase-protected file
// the member saves; the service receives the public key. At the opening the share is decrypted
// here and handed over (sealed to the opening's session key when the form names one).
// Events: "zuschlag:member-key" {publicKey, keyFile}, "zuschlag:share-handed-over" {response},
// "zuschlag:error" {error}.

import { messagesOf } from "./messages.js";
import * as env from "./envelope.js";

function csrfToken(form) {
  const field = form?.querySelector("input[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function send(url, { method = "GET", body, contentType, csrf, accept = "application/json" }) {
  const headers = { Accept: accept };
  if (contentType) headers["Content-Type"] = contentType;
  if (csrf) headers["X-CSRFToken"] = csrf;
  const response = await fetch(url, { method, body, headers, credentials: "same-origin" });
  if (!response.ok) {
    let detail = await response.text();
    try {
      detail = JSON.parse(detail).detail ?? detail;
    } catch {
      // plain-text error body
    }
    const error = new Error(`HTTP ${response.status}: ${detail}`);
    error.status = response.status;
    throw error;
  }
  return response;
}

/**
 * Make a member key, register its public half at ``registerUrl`` (POST JSON) and resolve to
 * {keyFile (object to save), keyFileText, publicKey}.
 */
export async function createMemberKey({ passphrase, label = "", registerUrl, csrf, iterations }) {
  const made = await env.memberKeyGenerate({ passphrase, label, iterations });
  if (registerUrl) {
    await send(registerUrl, {
      method: "POST",
      body: JSON.stringify(made.publicKey),
      contentType: "application/json",
      csrf,
    });
  }
  return { keyFile: made.keyFile, keyFileText: JSON.stringify(made.keyFile, null, 2) + "\n", publicKey: made.publicKey };
}

/**
 * Fetch this member's sealed share, open it with the key file + passphrase, and hand it over.
 * With ``sessionKeyUrl`` the share JSON is sealed to the opening's session key and POSTed as an
 * envelope; otherwise it is POSTed as JSON. Resolves to the server's JSON answer.
 */
export async function handOverShare({ keyFile, passphrase, shareUrl, handoverUrl, sessionKeyUrl, csrf }) {
  const text = typeof keyFile === "string" ? keyFile : await keyFile.text();
  const key = await env.memberKeyUnlock(text, passphrase);
  const sealed = new Uint8Array(await (await send(shareUrl, { accept: env.MEDIA_TYPE })).arrayBuffer());
  const { json } = await env.shareDecrypt(sealed, key);
  let response;
  if (sessionKeyUrl) {
    const sessionKey = await (await send(sessionKeyUrl, {})).json();
    const envelope = await env.encryptBytes(new TextEncoder().encode(json), sessionKey, { chunkLog2: 10 });
    response = await send(handoverUrl, { method: "POST", body: envelope, contentType: env.MEDIA_TYPE, csrf });
  } else {
    response = await send(handoverUrl, { method: "POST", body: json, contentType: "application/json", csrf });
  }
  return response.json();
}

function statusOf(form) {
  const status = form.querySelector("[data-status]");
  return (text) => {
    if (status) status.textContent = text;
  };
}

/** Wire every form[data-zuschlag-member-keygen] and form[data-zuschlag-share-handover]. */
export function bindCommitteeForms(root = document) {
  for (const form of root.querySelectorAll("form[data-zuschlag-member-keygen]")) {
    const say = statusOf(form);
    const msg = messagesOf(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const passphrase = form.elements.passphrase.value;
      if (form.elements.passphrase2 && form.elements.passphrase2.value !== passphrase) {
        say(msg.text("mismatch", "Die Passphrasen stimmen nicht überein."));
        return;
      }
      try {
        say(msg.text("generating", "Schlüssel wird erzeugt …"));
        const made = await createMemberKey({
          passphrase,
          label: form.elements.label?.value ?? "",
          registerUrl: form.dataset.registerUrl,
          csrf: csrfToken(form),
          iterations: form.dataset.iterations ? Number(form.dataset.iterations) : undefined,
        });
        const link = form.querySelector("[data-key-download]");
        if (link) {
          link.href = URL.createObjectURL(new Blob([made.keyFileText], { type: "application/json" }));
          link.hidden = false;
        }
        say(
          msg.text(
            "registered",
            "Schlüssel {kid} erzeugt und registriert. Bitte die Schlüsseldatei speichern.",
            { kid: made.publicKey.kid },
          ),
        );
        form.dispatchEvent(new CustomEvent("zuschlag:member-key", { detail: made, bubbles: true }));
      } catch (error) {
        say(msg.text("error", "Fehler: {error}", { error: msg.error(error) }));
        form.dispatchEvent(new CustomEvent("zuschlag:error", { detail: { error }, bubbles: true }));
      }
    });
  }
  for (const form of root.querySelectorAll("form[data-zuschlag-share-handover]")) {
    const say = statusOf(form);
    const msg = messagesOf(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        say(msg.text("decrypting", "Anteil wird entschlüsselt …"));
        const response = await handOverShare({
          keyFile: form.elements.keyfile.files[0],
          passphrase: form.elements.passphrase.value,
          shareUrl: form.dataset.shareUrl,
          handoverUrl: form.dataset.handoverUrl,
          sessionKeyUrl: form.dataset.sessionKeyUrl,
          csrf: csrfToken(form),
        });
        form.elements.passphrase.value = "";
        say(response.detail ?? msg.text("handed-over", "Anteil übergeben."));
        form.dispatchEvent(new CustomEvent("zuschlag:share-handed-over", { detail: { response }, bubbles: true }));
      } catch (error) {
        say(msg.text("error", "Fehler: {error}", { error: msg.error(error) }));
        form.dispatchEvent(new CustomEvent("zuschlag:error", { detail: { error }, bubbles: true }));
      }
    });
  }
}
