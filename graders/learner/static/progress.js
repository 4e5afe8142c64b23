// The module's progress line. While it is on the page (the course player is running), its style
// hides the "not running yet" banner and the collapsed code cells of this notebook only.
function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = model.get("page_style");
  const line = document.createElement("p");
  line.className = "course-progress-line";
  const show = () => { line.textContent = model.get("text"); };
  const stopped = () => {
    style.remove();
    const next = document.body.dataset.voila ? "Reload the page" : "Click \u201cRun all cells\u201d at the top";
    line.textContent = `The course player stopped. Your saved answers are safe. ${next} to go on.`;
  };
  model.on("change:text", show);
  model.on("comm_live_update", stopped);
  show();
  el.classList.add("course-progress");
  el.append(style, line);
  if (model.get("scroll_into_view")) setTimeout(() => el.scrollIntoView({ block: "start" }), 0);
  return () => {
    model.off("change:text", show);
    model.off("comm_live_update", stopped);
  };
}

export default { render };
