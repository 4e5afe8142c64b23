// A written reflection: a labelled text area. The text goes to the kernel (which saves it) a
// moment after typing stops, and at once when the box loses focus; the note says "Saved.".
const PAUSE_MS = 600;

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "course-reflection";
  box.setAttribute("data-lm-suppress-shortcuts", "true");
  const id = `course-reflection-${Math.random().toString(36).slice(2)}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = model.get("label");
  const area = document.createElement("textarea");
  area.id = id;
  area.rows = 8;
  area.maxLength = model.get("max_length");
  area.value = model.get("value");
  const note = document.createElement("p");
  note.className = "course-note";
  note.setAttribute("role", "status");
  note.setAttribute("aria-live", "polite");
  let timer = null;
  const send = () => {
    clearTimeout(timer);
    timer = null;
    if (area.value === model.get("value")) return;
    model.set("value", area.value);
    model.save_changes();
  };
  area.addEventListener("input", () => {
    note.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(send, PAUSE_MS);
  });
  area.addEventListener("blur", send);
  area.addEventListener("keydown", (event) => event.stopPropagation());  // typing is not a shortcut
  const showNote = () => { note.textContent = model.get("note"); };
  const showValue = () => { if (document.activeElement !== area) area.value = model.get("value"); };
  const stopped = () => {
    area.disabled = true;
    note.textContent = "Stopped. What you wrote before this message is saved. Reload the page to go on.";
  };
  model.on("change:note", showNote);
  model.on("change:value", showValue);
  model.on("comm_live_update", stopped);
  showNote();
  box.append(label, area, note);
  el.append(box);
  return () => {
    send();
    model.off("change:note", showNote);
    model.off("change:value", showValue);
    model.off("comm_live_update", stopped);
  };
}

export default { render };
