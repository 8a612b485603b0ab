// AP inbox: drag-and-drop multi-file upload and bulk actions with a progress bar.
(function () {
  "use strict";
  const csrf = () => document.querySelector("input[name=csrfmiddlewaretoken]").value;

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
          item.append(r.duplicate ? " (duplicate)" : r.created ? " ✓" : " (already received)");
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
  bulk.addEventListener("submit", async (e) => {
    e.preventDefault();
    const response = await fetch(bulk.getAttribute("action"), {
      method: "POST", body: new FormData(bulk), credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
    });
    const body = await response.json();
    if (!response.ok) { status.textContent = JSON.stringify(body.error || body.detail); return; }
    bar.hidden = false;
    const show = (p) => {
      bar.value = p.percent;
      status.textContent = p.done + " / " + p.total + (p.failed ? " (" + p.failed + " failed)" : "");
      if (p.errors && Object.keys(p.errors).length) status.title = JSON.stringify(p.errors);
    };
    if (!body.progress) { show(body); status.dataset.finished = "1"; return; }
    for (;;) {
      const p = await (await fetch(body.progress, { credentials: "same-origin" })).json();
      show(p);
      if (p.finished) {
        status.dataset.finished = "1";
        const again = document.createElement("a");
        again.href = window.location.href;
        again.textContent = " ↻";
        again.id = "bulk-refresh";
        status.after(again);
        break;
      }
      await new Promise((r) => setTimeout(r, 400));
    }
  });
})();
