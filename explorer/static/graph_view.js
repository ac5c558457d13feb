// The neighborhood graph inside an Explorer, with a way back into Python.
// `value` is the same <iframe srcdoc=...> markup the library shows on its own; the page
// inside posts {source: "claim-graph-explorer", type: "select", id} when a node is
// double-clicked, and this view copies the id into the `selected` trait.
function render({ model, el }) {
  let frame = null;
  function draw() {
    el.innerHTML = model.get("value");  // built and escaped by explorer.render
    frame = el.querySelector("iframe");
  }
  function onMessage(event) {
    const data = event.data;
    if (!frame || event.source !== frame.contentWindow) return;
    if (!data || data.source !== "claim-graph-explorer" || data.type !== "select") return;
    if (typeof data.id !== "string") return;
    model.set("selected", data.id);
    model.save_changes();
  }
  draw();
  model.on("change:value", draw);
  window.addEventListener("message", onMessage);
  return () => {
    window.removeEventListener("message", onMessage);
    model.off("change:value", draw);
  };
}
export default { render };
