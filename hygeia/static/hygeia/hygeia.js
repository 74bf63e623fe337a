// Progressive enhancement only: every page works without this file.
// Keyboard: "/" focuses the page's search or filter box; "g d" goes to the dashboard;
// j/k/x/o work the rows of a keyboard table (the alert queue).
(function () {
  "use strict";
  let pendingG = false;
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target && ((target.tagName === "INPUT" &&
      target.type !== "checkbox" && target.type !== "radio") || target.tagName === "TEXTAREA" ||
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
    } else if (event.key === "j" || event.key === "k" || event.key === "x" || event.key === "o") {
      tableKey(event);
    }
  });
  // Tables marked data-keyboard-table: j/k move between rows, x ticks the row's checkbox,
  // o (or Enter on a row) follows its data-open link.
  function tableKey(event) {
    const table = document.querySelector("[data-keyboard-table]");
    if (!table) { return; }
    const rows = Array.from(table.querySelectorAll("tbody tr[tabindex]"));
    if (!rows.length) { return; }
    let index = rows.indexOf(document.activeElement && document.activeElement.closest("tr"));
    if (event.key === "j" || event.key === "k") {
      index = event.key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows[index].focus();
      event.preventDefault();
      return;
    }
    if (index < 0) { return; }
    if (event.key === "x") {
      const box = rows[index].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
    } else if (event.key === "o") {
      const link = rows[index].querySelector("[data-open]");
      if (link) { window.location.assign(link.href); }
    }
  }
  document.addEventListener("change", function (event) {
    const all = event.target.closest("[data-select-all]");
    if (!all) { return; }
    all.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach(function (box) {
      box.checked = all.checked;
    });
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
