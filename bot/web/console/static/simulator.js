// The simulator's chat, a file of its own: the console's CSP allows no inline script.
const chat = document.getElementById("chat");
const form = document.getElementById("sim");
function add(cls, text, meta) {
  const p = document.createElement("p");
  p.className = cls;
  if (meta) { const s = document.createElement("small"); s.textContent = meta; p.append(s, document.createElement("br")); }
  p.append(document.createTextNode(text));
  chat.append(p);
  return p;
}
async function simulate(e) {
  e.preventDefault();
  const data = new FormData(form);
  add("staff", data.get("text"), "you");
  form.text.value = "";
  const res = await fetch(form.dataset.send, {method: "POST", body: data});
  const turn = await res.json();
  for (const reply of turn.replies) {
    add("person reply", reply.text, `${reply.segments} segment(s), ${reply.encoding}`);
  }
  const events = turn.events.map(e => e.type).join(", ") || "none";
  add("turn", `node: ${turn.node ?? "(ended)"} · language: ${turn.language ?? "?"} · events: ${events}`).id = "last-turn";
}
async function reset_() {
  const data = new FormData(form);
  await fetch(form.dataset.reset, {method: "POST", body: data});
  chat.replaceChildren();
  add("turn", "Session reset.");
}
form.addEventListener("submit", simulate);
document.getElementById("reset").addEventListener("click", reset_);
