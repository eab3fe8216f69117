// The queue updates in place: every few seconds it asks the console for its rows. A new urgent
// case alerts the staffer (a notification with no case content, and a sound); the tab's title
// counts unclaimed urgent cases.
"use strict";
(function () {
  const table = document.getElementById("queue");
  if (!table) return;
  const empty = document.getElementById("empty");
  const button = document.getElementById("alerts");
  const every = 5000;
  let known = new Set((table.dataset.urgent || "").split(" ").filter(Boolean));
  let audio = null;

  function chime() {  // a short two-tone chime, made here (no sound file to fetch)
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    [880, 660].forEach((freq, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = freq;
      gain.gain.value = 0.2;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.2);
      tone.stop(audio.currentTime + i * 0.2 + 0.18);
    });
  }

  function title(count) {
    const base = "Queue: hotline console";
    document.title = count ? `(${count} urgent) ${base}` : base;
  }

  function alertNew() {
    try { chime(); } catch (e) { /* browsers may refuse sound before the first click */ }
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("Hotline: a new urgent case", { body: "Open the console queue.", tag: "urgent" });
    }
  }

  async function refresh() {
    try {
      const res = await fetch(table.dataset.source, { credentials: "same-origin" });
      if (res.redirected || !res.ok) return;  // logged out: the next navigation shows login
      const queue = await res.json();
      table.tBodies[0].innerHTML = queue.rows;
      table.hidden = queue.count === 0;
      empty.hidden = queue.count !== 0;
      const missed = document.getElementById("missed");
      if (missed) {
        missed.hidden = queue.missed === 0;
        document.getElementById("missed-count").textContent = String(queue.missed);
      }
      const fresh = queue.urgent_open.filter((id) => !known.has(id));
      known = new Set(queue.urgent_open);
      title(queue.urgent_open.length);
      if (fresh.length) alertNew();
    } catch (e) {
      // offline for a moment: try again on the next tick
    } finally {
      setTimeout(refresh, every);
    }
  }

  if (button && "Notification" in window && Notification.permission === "default") {
    button.hidden = false;
    button.addEventListener("click", () => {
      Notification.requestPermission().then(() => { button.hidden = true; });
      try { chime(); } catch (e) { /* no sound on this device */ }
    });
  }
  title(known.size);
  setTimeout(refresh, every);
})();
