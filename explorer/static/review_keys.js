// Keyboard shortcuts of a Review (explorer/widgets/review.py). ipywidgets has no key
// events, so this invisible view listens for keys pressed while the focus is inside the
// Review (the box with class "claim-review": click it, or a button in it, first) and
// copies the key into the `pressed` trait; Python acts on it and clears it. Keys typed
// into a text box, a menu or with Ctrl/Alt/Meta are left alone. The listener runs in the
// capture phase on window, so JupyterLab's own single-key shortcuts do not see the key.
const KEYS = new Set(["a", "r", "m", "d", "u", "n", "p", "s", "ArrowLeft", "ArrowRight"]);

function render({ model, el }) {
  el.style.display = "none";
  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || !KEYS.has(event.key)) return;
    const root = el.closest(".claim-review");
    const target = event.target;
    if (!root || !(target instanceof Node) || !root.contains(target)) return;
    if (target instanceof HTMLElement &&
        (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    model.set("pressed", event.key);
    model.save_changes();
  }
  window.addEventListener("keydown", onKey, true);
  return () => window.removeEventListener("keydown", onKey, true);
}
export default { render };
