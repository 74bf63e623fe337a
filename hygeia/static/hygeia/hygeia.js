// Progressive enhancement only: every page works without this file.
// Keyboard: "/" focuses the page's search or filter box; "g d" goes to the dashboard.
(function () {
  "use strict";
  let pendingG = false;
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "/") {
      const box = document.querySelector("[data-hotkey-search]");
      if (box) { event.preventDefault(); box.focus(); }
    } else if (event.key === "g") {
      pendingG = true;
      setTimeout(function () { pendingG = false; }, 800);
    } else if (pendingG && event.key === "d") {
      window.location.assign("/");
    }
  });
  // Copy buttons (recovery codes, API tokens).
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) { return; }
    const source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.innerText.trim());
      button.textContent = "Copied";
    }
  });
})();
