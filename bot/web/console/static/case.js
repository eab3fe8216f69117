// The case page: each reply's delivery status updates in place, with its reason in words; the
// close button asks first.
"use strict";
(function () {
  const thread = document.getElementById("thread");
  const close = document.getElementById("close-form");
  if (close) {
    close.addEventListener("submit", (event) => {
      if (!window.confirm(close.dataset.confirm)) event.preventDefault();
    });
  }
  if (!thread || !thread.dataset.source) return;
  const FINAL = new Set(["delivered", "read", "failed", "undelivered"]);
  const every = 2000;

  async function refresh() {
    let pending = false;
    try {
      const res = await fetch(thread.dataset.source, { credentials: "same-origin" });
      if (!res.ok || res.redirected) return;  // closed or logged out: stop asking
      const statuses = await res.json();
      for (const label of thread.querySelectorAll("[data-ref]")) {
        const found = statuses[label.dataset.ref];
        const status = found ? found.status : "queued";
        label.textContent = status;
        label.dataset.status = status;
        const reason = thread.querySelector(`[data-reason="${label.dataset.ref}"]`);
        if (reason) reason.textContent = found ? found.reason : "";
        if (!FINAL.has(status)) pending = true;
      }
    } catch (e) {
      pending = true;  // offline for a moment
    }
    if (pending) setTimeout(refresh, every);
  }
  if (thread.querySelector("[data-ref]")) setTimeout(refresh, 500);
})();
