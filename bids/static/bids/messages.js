// What the bid and committee pages tell people, in the page's language.
//
// The Django template renders each sentence through gettext into a data-msg-* attribute of the
// form (placeholders as {name}), and the translated texts of the envelope error codes into
// <script type="application/json" id="zuschlag-crypto-messages">. A page without them (the
// reference pages of the tests) gets the built-in fallback.

let cryptoTexts;

function cryptoMessages() {
  if (cryptoTexts === undefined) {
    const node = document.getElementById("zuschlag-crypto-messages");
    try {
      cryptoTexts = node ? JSON.parse(node.textContent) : {};
    } catch {
      cryptoTexts = {};
    }
  }
  return cryptoTexts;
}

/** ``text("received", fallback, {position: 3})``: data-msg-received of ``form``, filled in. */
export function messagesOf(form) {
  return {
    text(name, fallback, values = {}) {
      const key = "msg" + name.replace(/(^|-)([a-z])/g, (_m, _dash, c) => c.toUpperCase());
      const template = form.dataset[key] ?? fallback;
      return template.replace(/\{(\w+)\}/g, (whole, k) => (k in values ? String(values[k]) : whole));
    },
    /** A local envelope error by its code in the page's language; the server's own (already
     * translated) detail and anything unknown as it came. */
    error(error) {
      if (error?.name === "EnvelopeError" && cryptoMessages()[error.code]) {
        return cryptoMessages()[error.code];
      }
      return error?.message ?? String(error);
    },
  };
}
