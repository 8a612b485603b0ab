// AP inbox: drag-and-drop multi-file upload and bulk actions with a progress bar.
(function () {
  "use strict";
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]").value;
  // The page's texts in the reader's language (inbox view, json_script), "%(name)s" filled here.
  const texts = JSON.parse(document.getElementById("inbox-texts").textContent);
  const say = (key, values) => texts[key].replace(/%\((\w+)\)s/g, (_, name) => values[name]);

  const zone = document.getElementById("dropzone");
  const results = document.getElementById("upload-results");
  const form = document.getElementById("upload-form");
  async function sendFiles(files) {
    for (const file of files) {
      const item = document.createElement("li");
      item.textContent = file.name + " …";
      results.appendChild(item);
      const data = new FormData();
      data.append("files", file);
      const buyer = form.querySelector("select[name=buyer]");
      if (buyer) data.append("buyer", buyer.value);
      try {
        const response = await fetch(zone.dataset.uploadUrl, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
        });
        const body = await response.json();
        const r = (body.results || [])[0] || { ok: false, error: response.statusText };
        if (r.ok) {
          item.innerHTML = "";
          const link = document.createElement("a");
          link.href = r.url;
          link.textContent = file.name + " → " + (r.number || r.id);
          item.appendChild(link);
          item.className = r.duplicate ? "duplicate" : (r.created ? "created" : "known");
          item.append(" (" + say(r.duplicate ? "duplicate" : r.created ? "created" : "known") + ")");
        } else {
          item.textContent = file.name + ": " + (r.error || body.detail);
          item.className = "error";
        }
      } catch (err) {
        item.textContent = file.name + ": " + err;
        item.className = "error";
      }
    }
  }
  if (zone) {
    ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => {
      e.preventDefault(); zone.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => {
      e.preventDefault(); zone.classList.remove("over");
    }));
    zone.addEventListener("drop", (e) => sendFiles(e.dataTransfer.files));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      sendFiles(document.getElementById("upload-files").files);
    });
  }

  const bulk = document.getElementById("bulk-form");
  if (!bulk) return;
  const all = document.getElementById("select-all");
  all.addEventListener("change", () => bulk.querySelectorAll("input[name=invoice]")
    .forEach((box) => { box.checked = all.checked; }));
  const bar = document.getElementById("bulk-progress");
  const status = document.getElementById("bulk-status");
  const errors = document.getElementById("bulk-errors");
  const numberOf = (id) => {
    const box = bulk.querySelector("input[name=invoice][value='" + id + "']");
    return box ? box.getAttribute("aria-label") : id;
  };
  const show = (p) => {
    bar.value = p.percent;
    status.textContent = say("progress", p) + (p.failed ? " · " + say("failed", p) : "");
    errors.replaceChildren(...Object.entries(p.errors || {}).map(([id, message]) => {
      const item = document.createElement("li");
      item.textContent = numberOf(id) + ": " + message;
      return item;
    }));
  };
  // Once a job is over, its rows show the states it left, even where the list's filter would
  // no longer list them (the clerk sees what was done; the next load applies the filter).
  const showStates = (states) => {
    for (const [id, { state, label }] of Object.entries(states || {})) {
      const box = bulk.querySelector("input[name=invoice][value='" + id + "']");
      const row = box && box.closest("tr");
      if (!row) continue;
      row.dataset.state = state;
      const cell = row.querySelector("td.state");
      cell.className = "state state-" + state;
      cell.textContent = label;
      box.checked = false;
    }
    all.checked = false;
  };
  const finish = (p) => {
    show(p);
    if (p.url) {
      const link = document.createElement("a");
      link.href = p.url;
      link.id = "bulk-payment-run";
      link.textContent = say("payment_run", p);
      status.append(" · ", link);
    }
    showStates(p.states);
    status.dataset.finished = "1";
  };
  bulk.addEventListener("submit", async (e) => {
    e.preventDefault();
    delete status.dataset.finished;
    errors.replaceChildren();
    let response;
    try {
      response = await fetch(bulk.getAttribute("action"), {
        method: "POST", body: new FormData(bulk), credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
      });
    } catch (err) {
      status.textContent = say("network", {});
      return;
    }
    const body = await response.json();
    if (!response.ok) {
      const error = body.error || body.detail;
      // A form error is {field: [messages]}; a refusal is one message.
      status.textContent = typeof error === "string" ? error : Object.values(error).flat().join(" ");
      return;
    }
    bar.hidden = false;
    if (!body.progress) { finish(body); return; }
    for (;;) {
      const p = await (await fetch(body.progress, { credentials: "same-origin" })).json();
      if (p.finished) { finish(p); break; }
      show(p);
      await new Promise((r) => setTimeout(r, 400));
    }
  });
})();
