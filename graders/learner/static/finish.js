// The module's last step: a "Finish module" button. Each press asks the kernel what is complete
// and what is left; the answer is shown as plain text in a live region, with a link back to the
// learner's list of modules.
function startPage() {
  const config = document.getElementById("jupyter-config-data");
  const base = config ? JSON.parse(config.textContent).baseUrl || "/" : "/";
  return `${base.replace(/\/?$/, "/")}course`;
}

function render({ model, el }) {
  const panel = document.createElement("section");
  panel.className = "course-finish";
  panel.setAttribute("aria-label", "Finish module");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Finish module";
  const result = document.createElement("div");
  result.setAttribute("role", "status");
  result.setAttribute("aria-live", "polite");
  button.addEventListener("click", () => {
    model.set("presses", model.get("presses") + 1);
    model.save_changes();
  });
  const show = () => {
    result.replaceChildren();
    if (!model.get("heading")) return;
    const heading = document.createElement("p");
    heading.className = "course-finish-heading";
    heading.textContent = model.get("heading");
    const list = document.createElement("ul");
    for (const line of model.get("report")) {
      const item = document.createElement("li");
      item.textContent = line;
      list.append(item);
    }
    const back = document.createElement("a");
    back.href = startPage();
    back.textContent = "Back to your modules";
    result.append(heading, list, back);
  };
  const stopped = () => { button.disabled = true; };
  model.on("change:report", show);
  model.on("change:heading", show);
  model.on("comm_live_update", stopped);
  show();
  panel.append(button, result);
  el.append(panel);
  return () => {
    model.off("change:report", show);
    model.off("change:heading", show);
    model.off("comm_live_update", stopped);
  };
}

export default { render };
