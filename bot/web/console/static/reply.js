// A text box with data-segments (a staff reply, a proposed text): the SMS segment count follows
// as one types (GSM-7 when every character allows it, else UCS-2); on the case page a canned
// reply fills it in the person's language, still editable.
"use strict";
(function () {
  const box = document.querySelector("textarea[data-segments]");
  const count = box && document.getElementById(box.dataset.segments);
  const picker = document.getElementById("canned");
  if (!box || !count) return;
  const BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const EXTENDED = "^{}\\[~]|€\f";

  function segments(text) {
    const gsm = [...text].every((c) => BASIC.includes(c) || EXTENDED.includes(c));
    const units = gsm
      ? [...text].reduce((n, c) => n + (EXTENDED.includes(c) ? 2 : 1), 0)
      : text.length;  // UTF-16 code units, as JavaScript counts them
    const [single, multi] = gsm ? [160, 153] : [70, 67];
    const n = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
    return { n, encoding: gsm ? "GSM-7" : "UCS-2" };
  }

  function show() {
    const { n, encoding } = segments(box.value);
    count.textContent = `${n} SMS segment${n === 1 ? "" : "s"} (${encoding}), ${box.value.length} characters`;
    count.dataset.segments = String(n);
  }

  if (picker) {
    picker.addEventListener("change", () => {
      const chosen = picker.selectedOptions[0];
      if (chosen && chosen.dataset.text) {
        box.value = chosen.dataset.text;
        box.focus();
        show();
      }
    });
  }
  box.addEventListener("input", show);
  show();
})();
