// One decision step as a native radio or checkbox group (a <fieldset> with a <legend>).
// Native inputs give keyboard use for free (Tab, arrow keys, Space); the keydown guard keeps
// JupyterLab's notebook shortcuts from taking those keys away from the group.
const OWN_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", " ", "Enter", "Home", "End"]);

function render({ model, el }) {
  const group = document.createElement("fieldset");
  group.className = "course-choice";
  group.setAttribute("data-lm-suppress-shortcuts", "true");
  const legend = document.createElement("legend");
  legend.textContent = model.get("legend");
  group.append(legend);
  if (model.get("kind") === "multiple") {
    const hint = document.createElement("p");
    hint.className = "course-choice-hint";
    hint.textContent = "Choose all that apply.";
    group.append(hint);
  }
  const name = `course-${model.get("step_id")}-${Math.random().toString(36).slice(2)}`;
  const inputs = model.get("options").map((option) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = model.get("kind") === "multiple" ? "checkbox" : "radio";
    input.name = name;
    input.value = option.id;
    input.addEventListener("change", () => {
      model.set("value", inputs.filter((i) => i.checked).map((i) => i.value));
      model.save_changes();
    });
    const text = document.createElement("span");
    text.textContent = option.text;
    label.append(input, text);
    group.append(label);
    return input;
  });
  // What happened to the last answer: "Saved", or a practice case's feedback. The live region
  // stays on the page and only its content changes, so screen readers announce each change.
  const note = document.createElement("div");
  note.className = "course-note";
  note.setAttribute("role", "status");
  note.setAttribute("aria-live", "polite");
  group.append(note);
  group.addEventListener("keydown", (event) => {
    if (OWN_KEYS.has(event.key)) event.stopPropagation();
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) event.target.click();
  });
  const show = () => {
    const chosen = model.get("value");
    inputs.forEach((input) => { input.checked = chosen.includes(input.value); });
  };
  // The kernel stopped or restarted: these controls can no longer save, so say so and lock them.
  const stopped = () => {
    group.disabled = true;
    const next = document.body.dataset.voila ? "Reload the page" : "Click \u201cRun all cells\u201d at the top";
    note.textContent = `Stopped. Your saved answers are safe. ${next} to go on.`;
  };
  const showNote = () => { note.innerHTML = model.get("note"); };  // built by the kernel, escaped there
  model.on("change:value", show);
  model.on("change:note", showNote);
  model.on("comm_live_update", stopped);
  show();
  showNote();
  el.append(group);
  return () => {
    model.off("change:value", show);
    model.off("change:note", showNote);
    model.off("comm_live_update", stopped);
  };
}

export default { render };
